"""The rule for tests that need real MNIST (tests/real_data.py): fail in CI, skip with a how-to elsewhere."""
import pytest

from real_data import locate_mnist
from vae_course.data import ENV_VAR, MNIST_FILES


@pytest.fixture
def full_folder(tmp_path):
    for spec in MNIST_FILES.values():
        (tmp_path / spec.name).write_bytes(b"")  # only their presence is checked here; load_mnist checks contents
    return tmp_path


def test_a_folder_with_the_four_files_is_used(full_folder):
    assert locate_mnist({ENV_VAR: str(full_folder)}) == ("ok", full_folder)
    assert locate_mnist({ENV_VAR: f"  {full_folder} ", "CI": "true"}) == ("ok", full_folder)


@pytest.mark.parametrize("ci", ["true", "1", "TRUE", "yes"])
def test_ci_without_the_variable_fails(ci):
    outcome, why = locate_mnist({"CI": ci})
    assert outcome == "fail" and ENV_VAR in why and all(spec.name in why for spec in MNIST_FILES.values())


@pytest.mark.parametrize("environ", [{}, {"CI": "false"}, {"CI": ""}, {ENV_VAR: "  "}])
def test_a_learner_without_data_gets_a_skip_that_says_how_to_provide_it(environ):
    outcome, why = locate_mnist(environ)
    assert outcome == "skip" and f"export {ENV_VAR}=" in why and MNIST_FILES["train_images"].name in why


def test_a_variable_naming_a_missing_folder_fails_even_outside_ci(tmp_path):
    outcome, why = locate_mnist({ENV_VAR: str(tmp_path / "nowhere")})
    assert outcome == "fail" and str(tmp_path / "nowhere") in why and "is not a folder" in why


def test_a_folder_missing_a_file_fails_and_names_it(full_folder):
    (full_folder / MNIST_FILES["test_labels"].name).unlink()
    outcome, why = locate_mnist({ENV_VAR: str(full_folder)})
    assert outcome == "fail" and f"lacks {MNIST_FILES['test_labels'].name};" in why
