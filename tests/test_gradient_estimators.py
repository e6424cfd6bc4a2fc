"""Tests of vae_course.demos.gradient_estimators against closed forms and numpy re-implementations."""
import math

import numpy as np
import pytest
import tensorflow as tf

from vae_course.demos.gradient_estimators import (gradient_estimates, reparameterization_gradients,
                                            score_function_gradients, square_objective_moments)

MEAN, STD = 2.0, 0.5


def _eps(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def test_per_sample_values_match_numpy_formulas():
    eps = _eps(1000)
    z = MEAN + STD * eps.astype(np.float64)
    np.testing.assert_allclose(reparameterization_gradients(tf.square, MEAN, STD, eps).numpy(), 2 * z,
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(score_function_gradients(tf.square, MEAN, STD, eps).numpy(),
                               z ** 2 * (z - MEAN) / STD ** 2, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(score_function_gradients(tf.square, MEAN, STD, eps, baseline=3.0).numpy(),
                               (z ** 2 - 3.0) * (z - MEAN) / STD ** 2, rtol=1e-4, atol=1e-4)


def test_square_objective_moments_match_numpy_monte_carlo():
    eps = np.random.default_rng(1).standard_normal(4_000_000)
    z = MEAN + STD * eps
    m = square_objective_moments(MEAN, STD)
    assert m["gradient"] == 2 * MEAN
    assert m["baseline"] == pytest.approx(np.mean(z ** 2), rel=1e-3)
    assert m["var_reparameterization"] == pytest.approx(np.var(2 * z), rel=0.01)
    assert m["var_score_function"] == pytest.approx(np.var(z ** 2 * eps / STD), rel=0.02)
    assert m["var_score_function_baseline"] == pytest.approx(np.var((z ** 2 - m["baseline"]) * eps / STD), rel=0.02)


@pytest.mark.parametrize("estimator,kwargs,var_key", [
    (reparameterization_gradients, {}, "var_reparameterization"),
    (score_function_gradients, {}, "var_score_function"),
    (score_function_gradients, {"baseline": MEAN ** 2 + STD ** 2}, "var_score_function_baseline"),
])
def test_estimators_are_unbiased_with_the_closed_form_variance(estimator, kwargs, var_key):
    n = 200_000
    g = estimator(tf.square, MEAN, STD, _eps(n, seed=2), **kwargs).numpy().astype(np.float64)
    m = square_objective_moments(MEAN, STD)
    standard_error = math.sqrt(m[var_key] / n)
    assert abs(g.mean() - m["gradient"]) < 4 * standard_error
    assert np.var(g) == pytest.approx(m[var_key], rel=0.05)


def test_variance_ordering_and_averaging():
    kw = dict(n_samples=50, repeats=400, seed=3)
    rep = gradient_estimates(reparameterization_gradients, tf.square, MEAN, STD, **kw).numpy()
    sf = gradient_estimates(score_function_gradients, tf.square, MEAN, STD, **kw).numpy()
    sfb = gradient_estimates(score_function_gradients, tf.square, MEAN, STD,
                             baseline=MEAN ** 2 + STD ** 2, **kw).numpy()
    assert rep.shape == sf.shape == (400,)
    m = square_objective_moments(MEAN, STD)
    # averaging N samples divides the per-sample variance by N
    assert np.var(rep) == pytest.approx(m["var_reparameterization"] / 50, rel=0.2)
    assert np.var(sf) == pytest.approx(m["var_score_function"] / 50, rel=0.2)
    assert np.var(rep) * 10 < np.var(sfb) < np.var(sf)
    assert abs(rep.mean() - 2 * MEAN) < 0.05 and abs(sf.mean() - 2 * MEAN) < 0.5


def test_other_objective_and_a_case_where_score_function_wins():
    # f(z) = sin(k z): d/dμ E[sin(kz)] = k cos(kμ) exp(-k²σ²/2). For fast oscillation the
    # pathwise gradient k cos(kz) has variance ≈ k²/2 while the score function's stays ≈ 1/(2σ²).
    k, mean, std, n = 5.0, 0.3, 1.0, 200_000
    def f(z):
        return tf.sin(k * z)

    truth = k * math.cos(k * mean) * math.exp(-(k * std) ** 2 / 2)
    rep = reparameterization_gradients(f, mean, std, _eps(n, 4)).numpy().astype(np.float64)
    sf = score_function_gradients(f, mean, std, _eps(n, 5)).numpy().astype(np.float64)
    assert abs(rep.mean() - truth) < 4 * rep.std() / math.sqrt(n)
    assert abs(sf.mean() - truth) < 4 * sf.std() / math.sqrt(n)
    assert np.var(sf) < np.var(rep) / 10


def test_same_seed_same_estimates():
    a = gradient_estimates(score_function_gradients, tf.square, MEAN, STD, n_samples=3, repeats=4, seed=7)
    b = gradient_estimates(score_function_gradients, tf.square, MEAN, STD, n_samples=3, repeats=4, seed=7)
    c = gradient_estimates(score_function_gradients, tf.square, MEAN, STD, n_samples=3, repeats=4, seed=8)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_bad_inputs_get_clear_errors():
    eps = _eps(5)
    with pytest.raises(ValueError, match="std must be a positive"):
        reparameterization_gradients(tf.square, MEAN, 0.0, eps)
    with pytest.raises(ValueError, match="eps must have shape"):
        score_function_gradients(tf.square, MEAN, STD, eps[:, None])
    with pytest.raises(TypeError, match="float32"):
        reparameterization_gradients(tf.square, MEAN, STD, eps.astype(np.float64))
    with pytest.raises(ValueError, match="mean must have shape"):
        reparameterization_gradients(tf.square, [1.0, 2.0], STD, eps)
    with pytest.raises(ValueError, match="elementwise"):
        reparameterization_gradients(tf.reduce_sum, MEAN, STD, eps)
    with pytest.raises(ValueError, match="repeats >= 2"):
        gradient_estimates(reparameterization_gradients, tf.square, MEAN, STD, n_samples=5, repeats=1, seed=0)
    with pytest.raises(ValueError, match="std > 0"):
        square_objective_moments(1.0, -1.0)
