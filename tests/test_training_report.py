"""What a run reports besides its weights (lessons 08 and 10): the IWAE estimate from a subset of the
test images and its standard error, the evaluator compiled once, the wall-time split, the run's ETA."""
import io

import numpy as np
import pytest

import tensorflow as tf

from vae_course.distributions import sample_eps
from vae_course.losses import model_iwae_bound, model_elbo
from vae_course.models import CVAE
from vae_course.training.evaluation import Evaluator, evaluation_subset, mean_elbo, mean_iwae_bound, subset_correction
from vae_course.training.progress import ProgressBar
from vae_course.training.wall_clock import WallClock, describe_split


def test_subset_estimate_is_unbiased_and_its_standard_error_is_the_spread_over_subsets():
    """Independent reference: draw many random subsets of a synthetic population and measure the
    spread of the estimates directly."""
    rng = np.random.default_rng(0)
    n_all, n = 400, 100
    elbo = rng.normal(-150.0, 30.0, n_all)  # (N,) per-image ELBOs: wide spread between images
    iwae = elbo + rng.gamma(2.0, 2.0, n_all)  # (N,) per-image IWAE bounds: a small, varying gap
    estimates, errors = [], []
    for _ in range(4000):
        sub = rng.choice(n_all, n, replace=False)
        estimate, se = subset_correction(elbo, elbo[sub], iwae[sub])
        estimates.append(estimate)
        errors.append(se)
    estimates = np.array(estimates)
    assert estimates.mean() == pytest.approx(iwae.mean(), abs=0.02)  # unbiased for the all-image mean
    assert np.sqrt(np.mean(np.square(errors))) == pytest.approx(estimates.std(), rel=0.05)
    assert estimates.std() < 0.2 * iwae[:n].std() / np.sqrt(n)  # far better than the subset's own IWAE mean


def test_subset_of_all_images_gives_the_plain_mean_and_no_error():
    elbo, iwae = np.array([-3.0, -5.0, -7.0]), np.array([-2.0, -4.5, -6.0])
    assert subset_correction(elbo, elbo, iwae) == (pytest.approx(-4.1666667), 0.0)
    with pytest.raises(ValueError, match="matching lengths"):
        subset_correction(elbo, elbo[:2], iwae)


def test_evaluation_subset_is_a_fixed_random_spread_of_the_test_set():
    a, b = evaluation_subset(10000), evaluation_subset(10000)
    assert np.array_equal(a, b) and len(np.unique(a)) == 500 and np.all(np.diff(a) > 0)
    assert a[0] < 100 and a[-1] > 9900 and 200 < np.sum(a < 5000) < 300  # both halves of the test set
    assert np.array_equal(evaluation_subset(300), np.arange(300))
    assert len(evaluation_subset(10000, 2000)) == 2000  # fit's per-epoch subset


@pytest.fixture(scope="module")
def model():
    tf.keras.utils.set_random_seed(1)
    model = CVAE(latent_dim=2)
    model.encoder.dense.bias.assign([1.5, -1.0, 1.0, 1.5])  # a posterior away from the prior
    return model


@pytest.fixture(scope="module")
def x(synthetic_binary_images):
    return synthetic_binary_images[:16]  # (16, 28, 28, 1), drawn binary digits: no MNIST needed


@pytest.mark.parametrize("estimator", ["analytic", "mc"])
def test_mean_elbo_is_the_per_image_mean_whatever_the_batch_size(model, x, estimator):
    # reference: the per-batch estimator (tested against tfp in test_losses.py) on all 16 images at once
    expected = float(np.mean(model_elbo(model, x, sample_eps((16, 2), seed=4), estimator)))
    for batch_size in (3, 5, 16, 1000):  # 3 and 5 leave a smaller last batch
        assert mean_elbo(model, x, batch_size=batch_size, estimator=estimator, seed=4) == pytest.approx(expected,
                                                                                                        rel=1e-5)
    assert mean_elbo(model, x, estimator=estimator, seed=5) != pytest.approx(expected, rel=1e-7)


def test_mean_iwae_bound_weighs_every_image_equally(model, x):
    k = 3
    one_batch = float(np.mean(model_iwae_bound(model, x, k, seed=(2, 0))))
    assert mean_iwae_bound(model, x, k, images_per_batch=16, seed=2) == pytest.approx(one_batch, rel=1e-5)
    per_batch = [model_iwae_bound(model, x[s:s + 6], k, seed=(2, i)).numpy() for i, s in enumerate(range(0, 16, 6))]
    expected = float(np.concatenate(per_batch).mean())  # batches of 6, 6, 4: a mean of batch means would differ
    assert mean_iwae_bound(model, x, k, images_per_batch=6, seed=2) == pytest.approx(expected, rel=1e-5)
    assert mean_iwae_bound(model, x, k, seed=2) > mean_elbo(model, x, seed=2) - 1.0  # a tighter bound, up to noise


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_evaluation_refuses_other_dtypes(model, x, dtype):
    with pytest.raises(TypeError, match="x must be float32"):
        mean_elbo(model, x.astype(dtype))


@pytest.mark.parametrize("bad", ["shape3", "shape_flat", "empty", "grey"])
def test_evaluation_refuses_bad_x(model, x, bad):
    data = {"shape3": x[..., 0], "shape_flat": x.reshape(16, 784), "empty": x[:0], "grey": x * 0.5}[bad]
    with pytest.raises(ValueError, match="x must"):
        mean_elbo(model, data)
    with pytest.raises(ValueError, match="x must"):
        mean_iwae_bound(model, data, 2)


@pytest.mark.parametrize("call,message", [
    (lambda m, x: mean_elbo(m, x, batch_size=0), "batch_size"), (lambda m, x: mean_elbo(m, x, batch_size=2.5),
                                                                 "batch_size"),
    (lambda m, x: mean_elbo(m, x, estimator="exact"), "estimator"), (lambda m, x: mean_iwae_bound(m, x, 0), "k must be"),
    (lambda m, x: mean_iwae_bound(m, x, 2.5), "k must be"),
    (lambda m, x: mean_iwae_bound(m, x, 2, images_per_batch=0), "images_per_batch")])
def test_evaluation_refuses_bad_settings(model, x, call, message):
    with pytest.raises(ValueError, match=message):
        call(model, x[:2])


def test_the_evaluator_traces_once_and_gives_the_encoder_means(model, x):
    rng = np.random.default_rng(3)
    x70 = (rng.random((70, 28, 28, 1)) < 0.3).astype(np.float32)
    evaluator = Evaluator(model, x70, seed=4, batch_size=32)  # batches of 32, 32 and 6: one trace
    assert evaluator.elbo() == pytest.approx(mean_elbo(model, x70, seed=4, batch_size=70), abs=1e-3)
    np.testing.assert_allclose(evaluator.means(), model.encoder(x70)[0].numpy(), atol=1e-5)  # the Keras network
    np.testing.assert_allclose(evaluator.means([3, 60]), model.encoder(x70[[3, 60]])[0].numpy(), atol=1e-5)
    assert evaluator._elbo.experimental_get_tracing_count() == 1


def test_wall_clock_charges_each_second_to_one_phase():
    now = {"t": 100.0}
    clock = WallClock(started=95.0, clock=lambda: now["t"])  # 5 s of start-up before the first phase
    with clock.phase("train steps"):
        now["t"] = 110.0
    with clock.phase("per-epoch evaluation"):
        now["t"] = 113.0
    now["t"] = 114.0  # 1 s that no phase claims
    with clock.phase("train steps"):
        now["t"] = 120.0
    split = clock.split()
    assert split == {"start-up": 5.0, "train steps": 16.0, "per-epoch evaluation": 3.0, "final bound": 0.0,
                     "figures and report": 0.0, "other": 1.0, "wall": 25.0}
    line = describe_split(split)
    assert line.startswith("wall time 0:25 (25 s): ") and "train steps 16 s (64 %)" in line
    with pytest.raises(ValueError, match="unknown phase 'eval'"):
        with clock.phase("eval"):
            pass


def test_progress_bar_shows_the_eta_of_the_run():
    now = {"t": 0.0}
    out = io.StringIO()
    later = {}

    def rest_of_run(seconds_per_step):
        later["sps"] = seconds_per_step
        return 100 * seconds_per_step + 30  # 100 more steps, then 30 s of evaluation

    bar = ProgressBar(10, 64, prefix="epoch 1/2", stream=out, clock=lambda: now["t"], later=rest_of_run)
    now["t"] = 20.0  # the first call traces: left out of the rate
    bar.update(150.0, steps=2)
    now["t"] = 22.0
    bar.update(140.0, steps=4)  # 4 steps in 2 s: 0.5 s per step, 4 steps left in this phase
    assert later["sps"] == pytest.approx(0.5)
    assert "6/10 loss 140.00 128 img/s ETA 0:02 (run 1:22)" in out.getvalue()  # 2 + 50 + 30 s


def test_run_progress_adds_the_epochs_evaluations_and_work_after_fit_left():
    from vae_course.training import TrainConfig
    from vae_course.training.progress import RunProgress

    config = TrainConfig(epochs=4, batch_size=50, train_examples=1000)  # 20 steps per epoch
    progress = RunProgress(config, epoch_test_images=300, stream=io.StringIO(), work_after_fit=2.5)
    # after epoch 2 of 4 (index 1), at 0.1 s per step: 2 epochs of 20 steps, then 3 + 2.5 evaluations;
    # an evaluation not yet timed is guessed at a third of training on as many images: 300 / 50 * 0.1 / 3
    assert progress.after_epoch(1, 0.1) == pytest.approx(2 * 20 * 0.1 + 5.5 * 0.2)
    with progress.evaluation():
        pass
    assert 0 <= progress.eval_seconds < 0.5
    progress.eval_seconds = 7.0  # once timed, the measured evaluation counts
    assert progress.after_epoch(3, 0.1) == pytest.approx(0 + 3.5 * 7.0)  # the last epoch: its evaluation and after
    bar = progress.epoch_bar(2, start=5)
    assert (bar.total, bar.images_per_step, bar.step, bar.prefix) == (20, 50, 5, "epoch 3/4")
    assert bar.later(0.1) == pytest.approx(progress.after_epoch(2, 0.1))
