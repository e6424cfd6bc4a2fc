"""The command line: bad values give usage + exit 2 and write nothing; a tiny run writes a full run folder."""
import errno
import json
import os
import subprocess
import sys
import tempfile

import pytest
import tensorflow as tf

from vae_course.atomic_write import writable_folder_problem
from vae_course.cli import build_parser, main
from vae_course.distributions import sample_eps
from vae_course.losses import evaluate, model_elbo
from vae_course.models import CVAE, load_weights
from vae_course.preprocessing import load_binarized_mnist
from vae_course.training.evaluation import iwae_subset
from vae_course.training.run_folder import read_metrics
from vae_course.training.command import _config_from_args
from vae_course.training.progress import format_seconds


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


@pytest.mark.parametrize("args, phrase", [
    (["--epochs", "-1"], "--epochs: expected a positive integer"),
    (["--epochs", "ten"], "--epochs: expected a positive integer (>= 1), got 'ten'"),
    (["--latent-dim", "0"], "--latent-dim: expected a positive integer (>= 1), got 0"),
    (["--preset", "fastest"], "invalid choice: 'fastest'"),
    (["--seed", "-3"], "--seed: expected an integer >= 0"),
    (["--learning-rate", "0"], "--learning-rate: expected a positive finite number"),
    (["--learning-rate", "fast"], "--learning-rate: expected a positive number, got 'fast'"),
    (["--batch-size", "0"], "--batch-size: expected a positive integer"),
    (["--ema-momentum", "1"], "--ema-momentum: expected a number in [0, 1)"),
    (["--warmup-epochs", "-1"], "--warmup-epochs: expected a finite number >= 0, got -1"),
    (["--warmup-epochs", "10"], "warmup_epochs must be in [0, epochs)"),
    (["--train-examples", "70000"], "train_examples must be in 1..60000"),
    (["--seed", str(2**32)], "seed must be at most 4294967295 (TensorFlow and NumPy seeds are 32-bit), got 4294967296"),
    (["--latent-dim", "100000000"], "latent_dim must be at most 784"),
    (["--batch-size", "60000"], "batch_size must be at most 4096"),
    (["--iwae-k", "1000000"], "iwae_k must be at most 5000"),
])
def test_bad_values_give_usage_and_exit_2(args, phrase, tmp_path, capsys):
    out = tmp_path / "run"
    code, err = run_cli(["train", *args, "--out", str(out)], capsys)
    assert code == 2 and "usage: vae-course" in err and phrase in err
    assert not out.exists()


def test_the_largest_allowed_values_are_accepted_and_the_largest_seed_builds_a_model():
    from vae_course.training import build, preset

    config = preset("course", seed=2**32 - 1, latent_dim=784, batch_size=4096, iwae_k=5000)
    model, optimizer = build(config.replace(latent_dim=2))
    assert model.latent_dim == 2 and int(optimizer.iterations) == 0


def test_a_run_that_fails_before_writing_leaves_no_empty_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--data-dir", str(tmp_path / "no-mnist")]) == 1
    assert "does not exist" in capsys.readouterr().err and not out.exists()
    out.mkdir()  # a folder that was there before is never removed
    assert main(["train", "--out", str(out), "--data-dir", str(tmp_path / "no-mnist")]) == 1
    assert out.is_dir()
    not_utf8 = tmp_path / os.fsdecode(b"mnist-\xff")  # named in the message as \xff, not a UnicodeEncodeError
    assert main(["train", "--out", str(tmp_path / os.fsdecode(b"run-\xff")), "--data-dir", str(not_utf8)]) == 1
    assert f"MNIST folder {tmp_path}/mnist-\\xff (from the data_dir argument) does not exist" in capsys.readouterr().err


def test_unwritable_out_is_refused_before_anything_is_written(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, err = run_cli(["train", "--out", str(blocker / "run")], capsys)
    assert code == 2 and "is not a folder" in err and "--out" in err
    assert sorted(os.listdir(tmp_path)) == ["a-file"]
    code, err = run_cli(["train", "--out", str(blocker)], capsys)
    assert code == 2 and "exists and is not a folder" in err


def test_read_only_parent_is_refused(tmp_path, monkeypatch):
    if os.geteuid() == 0:  # root writes into read-only folders: make the probe fail the way it would for a user
        def denied(*args, **kwargs):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

        monkeypatch.setattr(tempfile, "TemporaryDirectory", denied)
    tmp_path.chmod(0o500)
    try:
        assert writable_folder_problem(tmp_path / "run") == f"cannot write in {tmp_path} (Permission denied)"
    finally:
        tmp_path.chmod(0o700)


def test_resume_of_a_folder_without_a_run_is_a_usage_error(tmp_path, capsys):
    code, err = run_cli(["train", "--resume", str(tmp_path)], capsys)
    assert code == 2 and "no checkpoint" in err
    code, err = run_cli(["train", "--resume", str(tmp_path), "--epochs", "3"], capsys)
    assert code == 2 and "drop --epochs" in err


def test_resume_of_a_checkpoint_with_unusable_metadata_is_a_usage_error_naming_the_file(tmp_path, capsys):
    import numpy as np

    np.savez(tmp_path / "checkpoint.npz", meta_json=np.array('[{"config": {}}]'))  # a list, not fit's metadata
    code, err = run_cli(["train", "--resume", str(tmp_path)], capsys)
    assert code == 2 and f"checkpoint {tmp_path / 'checkpoint.npz'} has unusable metadata" in err
    assert "found a list" in err and "Traceback" not in err


def test_tiny_run_writes_the_whole_run_folder(tmp_path, mnist_dir, capsys):
    out = tmp_path / "run"
    # 3 calls of 16 steps per epoch: the progress line of the second call has a speed and the run's ETA
    code = main(["train", "--epochs", "2", "--train-examples", "3072", "--iwae-k", "2", "--out", str(out),
                 "--data-dir", str(mnist_dir)])
    printed = capsys.readouterr()
    assert code == 0 and f"Results in {out}" in printed.out
    for name in ("model.weights.h5", "metrics.csv", "report.json", "report.md", "samples.gif", "reconstructions.png",
                 "training_curves.png", "latent_manifold.png", "latent_scatter.png", "samples/epoch_002.png"):
        assert (out / name).is_file(), name
    report = json.loads((out / "report.json").read_text())
    metrics = read_metrics(out)
    assert [m["epoch"] for m in metrics] == [1, 2]
    # the per-epoch test ELBO: a fixed random 2,000 of the test images, eps row j for test image j
    model = load_weights(CVAE(latent_dim=2), out / "model.weights.h5")
    x_test = load_binarized_mnist(mnist_dir)[1][0]  # (10000, 28, 28, 1)
    subset = iwae_subset(10000, 2000)
    eps = sample_eps((10000, 2), 0).numpy()[subset]  # (2000, 2)
    assert metrics[-1]["test_elbo"] == pytest.approx(float(tf.reduce_mean(model_elbo(model, x_test[subset], eps))),
                                                     abs=1e-3)
    assert report["test_elbo"] == pytest.approx(evaluate(model, x_test, seed=0), abs=1e-3)  # all 10,000
    assert report["iwae"] >= report["test_elbo"] - 1.0 and report["iwae_k"] == 2
    assert report["iwae_subset_size"] == 500 and 0 < report["iwae_standard_error"] < 1.0
    split = report["wall_split"]  # every second of the run charged to one phase
    assert set(split) == {"start-up", "train steps", "per-epoch evaluation", "final bound", "figures and report",
                          "other", "wall"}
    assert min(split.values()) >= 0 and sum(v for k, v in split.items() if k != "wall") == pytest.approx(split["wall"])
    assert min(split[k] for k in ("start-up", "per-epoch evaluation", "final bound", "figures and report")) > 0
    assert split["train steps"] == pytest.approx(sum(m["seconds"] for m in metrics), rel=0.05)
    assert printed.out.splitlines()[-1].startswith(f"Wall time {format_seconds(split['wall'])} (")
    assert "train steps" in printed.out.splitlines()[-1] and "wall time" in (out / "report.md").read_text()
    assert "final bound (IWAE, K=2, 500 test images)" in printed.err and "(run " in printed.err
    assert report["test_examples"] == 10000 and report["versions"]["tensorflow"]
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    code, err = run_cli(["train", "--out", str(out)], capsys)  # never overwrite a run
    assert code == 2 and "already holds a run" in err


def test_python_dash_m_entry_point_shows_usage():
    result = subprocess.run([sys.executable, "-m", "vae_course", "train", "--epochs", "0"], capture_output=True,
                            text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 2 and "usage: vae-course" in result.stderr


def test_preset_names_match_the_presets():
    from vae_course.cli import PRESET_NAMES
    from vae_course.training import PRESETS

    assert sorted(PRESET_NAMES) == sorted(PRESETS)


def test_preset_settings_can_be_overridden():
    parser = build_parser()
    args = parser.parse_args(["train", "--ema-momentum", "0", "--batch-size", "32", "--learning-rate", "1e-3",
                              "--warmup-epochs", "0"])
    config, out = _config_from_args(args, parser)
    assert (config.ema_momentum, config.batch_size, config.learning_rate, config.warmup_epochs) == (0.0, 32, 1e-3, 0)
    assert config.preset == "course" and str(out) == "runs/course-latent2"
    config, _ = _config_from_args(parser.parse_args(["train"]), parser)
    assert config.ema_momentum == 0.99


def test_main_sets_tensorflows_log_level_unless_the_user_did(monkeypatch, capsys):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    run_cli(["train", "--epochs", "0"], capsys)  # a usage error: main returns early, after the set-up
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"  # hides "E0000 ... cuInit" on machines without a GPU
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    run_cli(["train", "--epochs", "0"], capsys)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"  # an explicit setting wins
