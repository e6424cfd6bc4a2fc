"""Training loop: presets, deterministic resume, divergence guard, checkpoints, atomic files."""
import io
import math

import numpy as np
import pytest
import tensorflow as tf

from vae_course.training import run_folder as runs
from vae_course.training.progress import ProgressBar, format_seconds
from vae_course.training import TrainingDiverged, TrainingInterrupted, build, fit
from vae_course.training import PRESETS, TrainConfig, batch_order, make_weight_average, preset

TINY = TrainConfig(preset="tiny", latent_dim=2, epochs=2, batch_size=32, learning_rate=1e-3,
                   train_examples=128, test_examples=64, iwae_k=0, seed=3, steps_per_call=3)
STEPS = TINY.steps_per_epoch()  # 4, in calls of 3 and 1 steps


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.default_rng(0)
    probs = rng.random((1, 28, 28, 1)) ** 3  # sparse "strokes", shared by all images
    x = (rng.random((192, 28, 28, 1)) < probs).astype(np.float32)
    return x[:128], x[128:]


def weights(model):
    return [v.numpy() for v in model.variables]


def test_tutorial_preset_is_the_tf_tutorial():
    t = PRESETS["tutorial"]
    assert (t.latent_dim, t.batch_size, t.learning_rate, t.epochs, t.estimator, t.lr_schedule) == (
        2, 32, 1e-4, 10, "mc", "constant")
    assert t.ema_momentum == 0  # the tutorial evaluates its own weights
    assert PRESETS["course"].estimator == "analytic"


@pytest.mark.parametrize("changes, phrase", [
    ({"epochs": 0}, "epochs must be a positive integer"), ({"latent_dim": 0}, "latent_dim must be a positive integer"),
    ({"batch_size": 2.5}, "batch_size must be a positive integer"), ({"iwae_k": -1}, "iwae_k must be an integer >= 0"),
    ({"learning_rate": -1.0}, "learning_rate must be > 0"), ({"estimator": "exact"}, "estimator must be one of"),
    ({"lr_schedule": "step"}, "lr_schedule must be"), ({"train_examples": 0}, "train_examples must be in"),
    ({"ema_momentum": 1.0}, r"ema_momentum must be in \[0, 1\)"), ({"ema_momentum": -0.1}, "ema_momentum must be")])
def test_config_rejects_bad_values(changes, phrase):
    with pytest.raises(ValueError, match=phrase):
        TINY.replace(**changes)


def test_configs_recorded_before_weight_averaging_load_without_it():
    old = {k: v for k, v in TINY.replace(ema_momentum=0.5).__dict__.items() if k != "ema_momentum"}
    assert TrainConfig.from_dict(old) == TINY.replace(ema_momentum=0.0)
    assert TrainConfig.from_dict(TINY.__dict__) == TINY


def test_fit_returns_the_moving_average_of_the_weights(tmp_path, tiny_data):
    """Reference, in numpy over the weights after each step: a_0 = w_0 (the seeded initial weights),
    a_t = m_t a_(t-1) + (1 - m_t) w_t with m_t = min(m, (1 + t) / (10 + t))."""
    m, history = 0.7, []
    config = TINY.replace(ema_momentum=m, steps_per_call=1)  # one step per call: weights after every step
    initial = [w.numpy().astype(np.float64) for w in build(config)[0].trainable_variables]

    def record(steps, model, average):
        def wrapped(idx):
            losses = steps(idx)
            history.append([w.numpy().astype(np.float64) for w in model.trainable_variables])
            return losses
        return wrapped

    model, _ = fit(config, tmp_path, tiny_data, stream=io.StringIO(), wrap_step=record)
    assert len(history) == config.epochs * STEPS
    reference = initial
    for t, ws in enumerate(history, start=1):
        m_t = min(m, (1 + t) / (10 + t))
        reference = [m_t * a + (1 - m_t) * w for a, w in zip(reference, ws)]
    for got, want in zip(model.trainable_variables, reference, strict=True):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    assert max(np.abs(a - w).max() for a, w in zip(reference, history[-1])) > 1e-4  # not just the last weights


def test_without_averaging_fit_returns_the_last_weights(tmp_path, tiny_data):
    last = []

    def record(steps, model, average):
        assert average is None

        def wrapped(idx):
            losses = steps(idx)
            last[:] = [w.numpy() for w in model.trainable_variables]
            return losses
        return wrapped

    model, _ = fit(TINY.replace(ema_momentum=0.0), tmp_path, tiny_data, stream=io.StringIO(), wrap_step=record)
    for got, want in zip(model.trainable_variables, last, strict=True):
        np.testing.assert_array_equal(got.numpy(), want)


def test_preset_overrides_and_unknown_name():
    assert preset("course", epochs=3, latent_dim=None).epochs == 3
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        preset("fast")


def test_batch_order_is_a_seeded_permutation():
    a, b, c = batch_order(100, 1, 0), batch_order(100, 1, 0), batch_order(100, 1, 1)
    assert sorted(a) == list(range(100)) and np.array_equal(a, b) and not np.array_equal(a, c)


def test_training_lowers_the_loss_and_writes_metrics(tmp_path, tiny_data):
    model, metrics = fit(TINY.replace(epochs=3, learning_rate=3e-3), tmp_path, tiny_data, stream=io.StringIO())
    assert [m["epoch"] for m in metrics] == [1, 2, 3]
    assert metrics[-1]["train_loss"] < metrics[0]["train_loss"]
    for saved, m in zip(runs.read_metrics(tmp_path), metrics, strict=True):
        assert saved == pytest.approx(m)


def test_resume_after_interrupt_reproduces_the_uninterrupted_run(tmp_path, tiny_data):
    reference, ref_metrics = fit(TINY, tmp_path / "a", tiny_data, stream=io.StringIO())

    def interrupt_at(call_to_fail):
        def wrap(steps, model, average):
            calls = {"n": 0}

            def wrapped(idx):
                calls["n"] += 1
                if calls["n"] == call_to_fail:
                    raise KeyboardInterrupt
                return steps(idx)
            return wrapped
        return wrap

    # calls of 3 and 1 steps per epoch: the 4th call is epoch 2's last step, so it resumes mid-epoch
    with pytest.raises(TrainingInterrupted, match="epoch 2, step 3.*--resume"):
        fit(TINY, tmp_path / "b", tiny_data, stream=io.StringIO(), wrap_step=interrupt_at(4))
    assert runs.read_checkpoint_meta(tmp_path / "b")["metrics"][0]["epoch"] == 1
    resumed, metrics = fit(TINY, tmp_path / "b", tiny_data, resume=True, stream=io.StringIO())
    for a, b in zip(weights(reference), weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert [m["test_elbo"] for m in metrics] == pytest.approx([m["test_elbo"] for m in ref_metrics], abs=1e-3)
    # epoch 2 was resumed after 3 of its 4 steps: its train loss still averages all 4 (the saved partial sum)
    assert [m["train_loss"] for m in metrics] == pytest.approx([m["train_loss"] for m in ref_metrics], abs=1e-4)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, tiny_data):
    calls = {"n": 0}

    def wrap(steps, model, average):
        def wrapped(idx):
            calls["n"] += 1
            losses = steps(idx).numpy()
            if calls["n"] == 3:  # epoch 2's first call (steps 1-3): its second step's loss is NaN
                losses[1] = math.nan
            return losses
        return wrapped

    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 2, step 2.*last good checkpoint"):
        fit(TINY, tmp_path, tiny_data, stream=io.StringIO(), wrap_step=wrap)
    model, optimizer = build(TINY)
    average = make_weight_average(TINY, model)
    meta = runs.load_checkpoint(tmp_path, model, optimizer, average)
    assert len(meta["metrics"]) == 1 and int(optimizer.iterations) == STEPS == int(average.steps)
    with pytest.raises(ValueError, match="holds a moving average of the weights"):
        runs.load_checkpoint(tmp_path, model, optimizer)


def test_invalid_argument_inside_the_step_counts_as_divergence(tmp_path, tiny_data):
    def wrap(steps, model, average):
        def wrapped(idx):
            raise tf.errors.InvalidArgumentError(None, None, "x_logits holds NaN or infinite values")
        return wrapped

    with pytest.raises(TrainingDiverged, match="epoch 1, step 1.*x_logits holds NaN"):
        fit(TINY, tmp_path, tiny_data, stream=io.StringIO(), wrap_step=wrap)
    assert not runs.has_checkpoint(tmp_path)


def test_existing_run_is_not_overwritten_and_resume_needs_same_config(tmp_path, tiny_data):
    fit(TINY.replace(epochs=1), tmp_path, tiny_data, stream=io.StringIO())
    with pytest.raises(FileExistsError, match="--resume"):
        fit(TINY.replace(epochs=1), tmp_path, tiny_data, stream=io.StringIO())
    with pytest.raises(ValueError, match="cannot resume"):
        fit(TINY.replace(epochs=1, seed=4), tmp_path, tiny_data, resume=True, stream=io.StringIO())


def test_checkpoint_errors_are_clear(tmp_path):
    model, optimizer = build(TINY)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        runs.load_checkpoint(tmp_path, model, optimizer)
    (tmp_path / runs.CHECKPOINT).write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="corrupt"):
        runs.load_checkpoint(tmp_path, model, optimizer)
    meta = {"config": TINY.__dict__, "metrics": [], "partial": {"loss_sum": 0.0, "count": 0, "seconds": 0.0}}
    runs.save_checkpoint(tmp_path, model, optimizer, meta)
    other, other_opt = build(TINY.replace(latent_dim=3))
    with pytest.raises(ValueError, match="does not match"):
        runs.load_checkpoint(tmp_path, other, other_opt)
    assert runs.load_checkpoint(tmp_path, model, optimizer) == meta


def test_progress_bar_reports_rate_and_eta():
    now = {"t": 0.0}
    out = io.StringIO()
    bar = ProgressBar(10, 100, prefix="epoch 1/2", stream=out, clock=lambda: now["t"])
    now["t"] = 30.0  # the first step traces: slow, and left out of the rate
    bar.update(160.0)
    assert "1/10 loss 160.00 ? img/s ETA ?" in out.getvalue()
    now["t"] = 32.0
    bar.update(150.0, steps=4)  # 400 images in 2 s, 5 steps left at 0.5 s each
    assert "5/10 loss 150.00 200 img/s ETA 0:02" in out.getvalue()
    assert format_seconds(3723) == "1:02:03" and format_seconds(75.2) == "1:15"


def test_cosine_schedule_without_warm_up_decays_from_the_peak_to_zero():
    """lr(t) = ½·peak·(1 + cos(π·t / T)) over all T steps, from step 0 (no warm-up)."""
    from vae_course.training import make_optimizer

    config = TrainConfig(epochs=2, batch_size=64, train_examples=640, learning_rate=4e-3, warmup_epochs=0.0,
                         lr_schedule="cosine")
    total = 20  # 10 steps per epoch
    optimizer = make_optimizer(config)
    optimizer.build([tf.Variable(0.0)])
    for t in (0, 1, 5, 10, 15, 19, 20):
        optimizer.iterations.assign(t)
        want = 0.5 * 4e-3 * (1 + math.cos(math.pi * t / total))
        assert float(optimizer.learning_rate) == pytest.approx(want, rel=1e-5, abs=1e-9), t
