"""The shipped weights: they load, and their test ELBO is the one recorded in their provenance."""
import numpy as np
import pytest

from vae_course.losses import evaluate
from vae_course.pretrained import PRETRAINED_LATENT_DIMS, load_pretrained, pretrained_info
from vae_course.preprocessing import load_binarized_mnist
from vae_course.training.evaluation import Evaluator, iwae_subset

COURSE_TARGETS = {2: -150.0, 32: -80.0}  # test ELBO (nats) the shipped models must reach


@pytest.fixture(scope="module")
def x_test(mnist_dir):
    return load_binarized_mnist(mnist_dir)[1][0]  # (10000, 28, 28, 1)


@pytest.mark.parametrize("latent_dim", PRETRAINED_LATENT_DIMS)
def test_shipped_model_reproduces_its_recorded_test_elbo(latent_dim, x_test):
    info = pretrained_info(latent_dim)
    model = load_pretrained(latent_dim)
    assert model.latent_dim == latent_dim and info["config"]["preset"] == "course"
    assert info["test_examples"] == len(x_test) == 10000
    elbo = evaluate(model, x_test, seed=info["seed"])  # the estimator write_final_report used
    assert elbo == pytest.approx(info["test_elbo"], abs=0.05)
    assert elbo >= COURSE_TARGETS[latent_dim]  # the recomputed value, not the JSON's, meets the course's target
    assert info["iwae"] > info["test_elbo"]  # the importance-weighted bound is tighter


@pytest.mark.parametrize("latent_dim", PRETRAINED_LATENT_DIMS)
def test_shipped_model_reproduces_its_recorded_iwae_subset_estimate(latent_dim, x_test):
    """What a run's report now gives as log p(x) >= (training.evaluation): the all-image ELBO + the
    IWAE-ELBO gap of the fixed 500-image subset; ``iwae`` is the bound on all 10,000 images."""
    info = pretrained_info(latent_dim)
    recorded = info["iwae_subset"]
    assert recorded["size"] == 500 and info["iwae_k"] == 100
    evaluator = Evaluator(load_pretrained(latent_dim), x_test, info["seed"])
    elbo = evaluator.elbo_values()  # (10000,)
    subset = iwae_subset(len(x_test))
    gap = evaluator.iwae_values(subset, info["iwae_k"]) - elbo[subset]  # (500,)
    standard_error = gap.std(ddof=1) / np.sqrt(500) * np.sqrt(1 - 500 / 10000)  # sampling without replacement
    assert elbo.mean() + gap.mean() == pytest.approx(recorded["estimate"], abs=0.05)
    assert standard_error == pytest.approx(recorded["standard_error"], rel=0.02)
    assert gap.mean() > 1.0  # the bound with K = 100 is tighter than the ELBO
    assert abs(info["iwae"] - recorded["estimate"]) < 3 * recorded["standard_error"]  # agrees with all 10,000


def test_unknown_pretrained_size_is_refused():
    with pytest.raises(ValueError, match=r"no pretrained model for latent_dim=7; shipped: \(2, 32\)"):
        load_pretrained(7)


def test_pretrained_decoder_outputs_valid_logits():
    model = load_pretrained(2)
    x_mean = model.decode(np.zeros((1, 2), np.float32), apply_sigmoid=True).numpy()
    assert x_mean.shape == (1, 28, 28, 1) and 0.0 <= x_mean.min() and x_mean.max() <= 1.0


# --- integrity of the shipped files --------------------------------------------------------------------------

import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import h5py  # noqa: E402

import vae_course.pretrained as pretrained_package  # noqa: E402

SHIPPED = Path(pretrained_package.__file__).parent


@pytest.mark.parametrize("latent_dim", PRETRAINED_LATENT_DIMS)
def test_every_shipped_file_has_its_sha256_recorded(latent_dim):
    sums = pretrained_info(latent_dim)["sha256"]
    assert f"cvae_latent{latent_dim}.weights.h5" in sums
    for name, digest in sums.items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest, name
    assert ("cvae_latent2_samples.gif" in sums) == (latent_dim == 2)


@pytest.fixture
def copy_of_shipped(tmp_path):
    for path in SHIPPED.iterdir():
        if path.suffix in (".json", ".h5", ".gif"):
            shutil.copyfile(path, tmp_path / path.name)
    return tmp_path


def test_a_copy_loads_and_a_weight_set_to_inf_is_refused_naming_the_file(copy_of_shipped):
    assert load_pretrained(2, folder=copy_of_shipped).latent_dim == 2
    path = copy_of_shipped / "cvae_latent2.weights.h5"
    with h5py.File(path, "r+") as f:
        names = []
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) and obj.ndim else None)
        data = f[names[0]][()]
        data.flat[0] = np.inf
        f[names[0]][...] = data
    with pytest.raises(ValueError, match=f"{path}: SHA-256 .* but cvae_latent2.json records"):
        load_pretrained(2, folder=copy_of_shipped)


@pytest.mark.parametrize("spoil, phrase", [
    (lambda text: text[: len(text) // 2], "cannot be read as the record"),
    (lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "model_config"}), "lacks model_config"),
    (lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "sha256"}), "lacks sha256"),
    (lambda text: "[]", "holds a list"),
    (lambda text: json.dumps({**json.loads(text), "model_config": {"latent_dim": 2, "filters": [32], "depth": 3}}),
     "model_config is not a model's sizes"),
])
def test_a_damaged_record_is_refused_naming_the_file(spoil, phrase, copy_of_shipped):
    path = copy_of_shipped / "cvae_latent2.json"
    path.write_text(spoil(path.read_text()))
    with pytest.raises(ValueError, match=phrase) as info:
        load_pretrained(2, folder=copy_of_shipped)
    assert str(path) in str(info.value) and "reinstall" in str(info.value)


def test_ship_pretrained_records_the_checksum_of_each_file_it_ships(copy_of_shipped, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("ship", SHIPPED.parents[1] / "scripts" / "ship_pretrained.py")
    ship = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ship)
    run, target = tmp_path / "run", tmp_path / "shipped"
    run.mkdir()
    report = {k: v for k, v in pretrained_info(2).items() if k not in ("iwae_subset", "note", "metrics", "sha256")}
    report.update(iwae=-140.0, iwae_standard_error=0.3, iwae_subset_size=500, iwae_estimator="subset")
    (run / "report.json").write_text(json.dumps(report))
    (run / "metrics.csv").write_text("epoch,train_loss,test_elbo,seconds\n")
    shutil.copyfile(copy_of_shipped / "cvae_latent2.weights.h5", run / "model.weights.h5")
    (run / "samples.gif").write_bytes(b"GIF89a not really")
    monkeypatch.setattr(ship, "PRETRAINED", target)
    monkeypatch.setattr(ship, "_all_image_iwae", lambda run, report: -141.0)  # minutes of IWAE on MNIST otherwise
    monkeypatch.setattr("sys.argv", ["ship_pretrained.py", str(run)])
    ship.main()
    sums = json.loads((target / "cvae_latent2.json").read_text())["sha256"]
    assert sums == {"cvae_latent2.weights.h5": hashlib.sha256((run / "model.weights.h5").read_bytes()).hexdigest(),
                    "cvae_latent2_samples.gif": hashlib.sha256(b"GIF89a not really").hexdigest()}
    assert load_pretrained(2, folder=target).latent_dim == 2
