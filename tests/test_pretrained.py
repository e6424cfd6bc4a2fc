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
