"""Two unbiased estimators of the gradient of an expectation, and their spread (lesson 04).

The toy problem: estimate  d/dμ E_{z ~ N(μ, σ²)}[ f(z) ]  from samples, for a scalar μ and σ.

* Reparameterization (pathwise) gradient: write z = μ + σ·ε with ε ~ N(0, 1) and differentiate
  f(z) along that path: one sample gives f'(μ + σ·ε).
* Score-function (REINFORCE) gradient: differentiate the density instead of the sample:
  one sample gives (f(z) − b) · ∂/∂μ log N(z; μ, σ²) = (f(z) − b)·(z − μ)/σ², with z held fixed
  and an optional constant baseline b.

Both are unbiased; their variances differ, usually by a lot. For f(z) = z² the means and
variances are known in closed form (:func:`square_objective_moments`), which the lesson and
the tests compare with.
"""
from __future__ import annotations

import math

import tensorflow as tf

from vae_course.distributions import log_normal_pdf, reparameterize, sample_eps
from vae_course.validation import as_float32, check_finite, check_rank

__all__ = ["reparameterization_gradients", "score_function_gradients", "gradient_estimates",
           "square_objective_moments"]


def _scalar_params(mean, std):
    mean = as_float32(mean, "mean", "() (a scalar)")
    std = as_float32(std, "std", "() (a scalar)")
    check_rank(mean, 0, "mean", "() (a scalar)")
    check_rank(std, 0, "std", "() (a scalar)")
    check_finite(mean, "mean")
    check_finite(std, "std")
    if not float(std) > 0.0:
        raise ValueError(f"std must be a positive standard deviation, got {float(std)}.")
    return mean, std


def _per_sample_setup(mean, std, eps):
    """Validates the arguments; returns μ repeated per sample (N, 1), logvar (N, 1) and ε (N, 1)."""
    mean, std = _scalar_params(mean, std)
    eps = as_float32(eps, "eps", "(N,)")
    check_rank(eps, 1, "eps", "(N,)")
    check_finite(eps, "eps")
    eps = eps[:, None]  # (N, 1)
    mean_rows = tf.fill(tf.shape(eps), mean)  # (N, 1): one copy of μ per sample, for per-sample gradients
    logvar_rows = tf.fill(tf.shape(eps), 2.0 * tf.math.log(std))  # (N, 1)
    return mean_rows, logvar_rows, eps


def _apply(f, z):
    fz = f(z)
    if fz.shape != z.shape:
        raise ValueError(f"f must act elementwise (output shape = input shape), got {tuple(fz.shape)} "
                         f"for an input of shape {tuple(z.shape)}.")
    return fz


def reparameterization_gradients(f, mean, std, eps):
    """One pathwise gradient estimate per noise sample (lesson 04).

    g_i = d/dμ f(μ + σ·ε_i) = f'(μ + σ·ε_i), computed by automatic differentiation
    through :func:`vae_course.distributions.reparameterize`.

    Args:
        f: elementwise, TensorFlow-differentiable callable, e.g. ``tf.square``.
        mean: scalar μ. std: scalar σ > 0.
        eps: float32 (N,), standard-normal noise.

    Returns:
        float32 (N,): each entry is an unbiased estimate of d/dμ E[f(z)].
    """
    mean_rows, logvar_rows, eps = _per_sample_setup(mean, std, eps)
    with tf.GradientTape() as tape:
        tape.watch(mean_rows)
        z = reparameterize(mean_rows, logvar_rows, eps)  # (N, 1)
        total = tf.reduce_sum(_apply(f, z))
    return tape.gradient(total, mean_rows)[:, 0]  # row i only touches sample i


def score_function_gradients(f, mean, std, eps, baseline=0.0):
    """One score-function (REINFORCE) gradient estimate per noise sample (lesson 04).

    g_i = (f(z_i) − b) · ∂/∂μ log N(z_i; μ, σ²),  z_i = μ + σ·ε_i  held fixed (no gradient through z).

    The score ∂/∂μ log N is computed by automatic differentiation of
    :func:`vae_course.distributions.log_normal_pdf`. Any constant baseline b keeps the estimate
    unbiased, because E[∂/∂μ log N(z; μ, σ²)] = 0.

    Args:
        f: elementwise callable; it is only evaluated, never differentiated.
        mean: scalar μ. std: scalar σ > 0.
        eps: float32 (N,), standard-normal noise.
        baseline: scalar b subtracted from f(z) (0 gives plain REINFORCE).

    Returns:
        float32 (N,): each entry is an unbiased estimate of d/dμ E[f(z)].
    """
    mean_rows, logvar_rows, eps = _per_sample_setup(mean, std, eps)
    baseline = as_float32(baseline, "baseline", "() (a scalar)")
    check_rank(baseline, 0, "baseline", "() (a scalar)")
    z = tf.stop_gradient(reparameterize(mean_rows, logvar_rows, eps))  # (N, 1), a plain sample
    weight = tf.stop_gradient(_apply(f, z) - baseline)[:, 0]  # (N,)
    with tf.GradientTape() as tape:
        tape.watch(mean_rows)
        log_q = log_normal_pdf(z, mean_rows, logvar_rows)  # (N,)
        surrogate = tf.reduce_sum(weight * log_q)
    return tape.gradient(surrogate, mean_rows)[:, 0]


def gradient_estimates(estimator, f, mean, std, *, n_samples, repeats, seed, **kwargs):
    """``repeats`` independent estimates, each the average of ``n_samples`` per-sample gradients.

    Args:
        estimator: :func:`reparameterization_gradients` or :func:`score_function_gradients`.
        f, mean, std: as for the estimator; ``kwargs`` are passed on (e.g. ``baseline``).
        n_samples: samples averaged per estimate (N >= 1).
        repeats: number of independent estimates (R >= 2, to measure a variance).
        seed: int or int pair for :func:`vae_course.distributions.sample_eps`.

    Returns:
        float32 (R,): the estimates; their variance is about (per-sample variance) / N.
    """
    if int(n_samples) < 1 or int(repeats) < 2:
        raise ValueError(f"need n_samples >= 1 and repeats >= 2, got n_samples={n_samples}, repeats={repeats}.")
    eps = sample_eps([int(repeats) * int(n_samples)], seed)  # (R*N,)
    per_sample = estimator(f, mean, std, eps, **kwargs)  # (R*N,)
    return tf.reduce_mean(tf.reshape(per_sample, [int(repeats), int(n_samples)]), axis=1)  # (R,)


def square_objective_moments(mean, std):
    """Closed forms for f(z) = z², z ~ N(μ, σ²): the true gradient and each estimator's variance.

    d/dμ E[z²] = 2μ; per-sample variances: reparameterization 4σ²;
    score function μ⁴/σ² + 14μ² + 15σ²; score function with baseline b = E[z²] = μ² + σ²: 8μ² + 10σ².

    Args:
        mean, std: Python floats, std > 0.

    Returns:
        dict with keys ``gradient``, ``var_reparameterization``, ``var_score_function``,
        ``var_score_function_baseline`` and ``baseline`` (= μ² + σ²), all Python floats.
    """
    mean, std = float(mean), float(std)
    if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
        raise ValueError(f"need a finite mean and a finite std > 0, got mean={mean}, std={std}.")
    m2, s2 = mean ** 2, std ** 2
    return {
        "gradient": 2.0 * mean,
        "var_reparameterization": 4.0 * s2,
        "var_score_function": m2 ** 2 / s2 + 14.0 * m2 + 15.0 * s2,
        "var_score_function_baseline": 8.0 * m2 + 10.0 * s2,
        "baseline": m2 + s2,
    }
