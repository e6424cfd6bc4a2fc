"""What a run reports besides its weights (lessons 08 and 10): the IWAE estimate from a subset of the
test images and its standard error, the evaluator compiled once, the wall-time split, the run's ETA."""
import io

import numpy as np
import pytest

from vae_course.losses import evaluate
from vae_course.models import CVAE
from vae_course.training.evaluation import Evaluator, iwae_subset, subset_correction
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


def test_iwae_subset_is_a_fixed_random_spread_of_the_test_set():
    a, b = iwae_subset(10000), iwae_subset(10000)
    assert np.array_equal(a, b) and len(np.unique(a)) == 500 and np.all(np.diff(a) > 0)
    assert a[0] < 100 and a[-1] > 9900 and 200 < np.sum(a < 5000) < 300  # both halves of the test set
    assert np.array_equal(iwae_subset(300), np.arange(300))
    assert len(iwae_subset(10000, 2000)) == 2000  # fit's per-epoch subset


def test_evaluator_gives_what_losses_evaluate_gives():
    rng = np.random.default_rng(3)
    x = (rng.random((70, 28, 28, 1)) < 0.3).astype(np.float32)
    model = CVAE(latent_dim=2)
    evaluator = Evaluator(model, x, seed=4, batch_size=32)  # batches of 32, 32 and 6: one trace
    assert evaluator.elbo() == pytest.approx(evaluate(model, x, seed=4), abs=1e-3)
    elbo, means = evaluator.elbo_values(with_means=True)
    assert elbo.shape == (70,) and np.allclose(means, model.encode(x)[0].numpy(), atol=1e-5)
    iwae = evaluator.iwae_values(np.arange(70), k=3)  # (70,), batches of 5000 // 3 images
    assert iwae.mean() == pytest.approx(evaluate(model, x, k=3, batch_size=5000 // 3, seed=4), abs=1e-3)
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
