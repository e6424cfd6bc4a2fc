"""Check of exercise 04.2, ``score_function_gradient(f, mean, logvar, eps)``: the REINFORCE estimate, (B, D).

The estimate of ∂/∂μ E_q[f(z)] for q = N(μ, diag σ²), from K samples z_k = μ + σ ⊙ ε_k:
ĝ = (1/K) Σ_k f(z_k) ∂/∂μ log q(z_k), with f evaluated, never differentiated (it may be a step
function). Inputs: ``f`` maps z (K, B, D) to (K, B); ``mean``, ``logvar`` (B, D); ``eps`` (K, B, D).
The contract asks for the plain estimator, without a baseline or control variate (a leave-one-out
baseline is unbiased too, but it is another estimator: it is named and refused). The check compares
exact values on random inputs, then, as lesson 04 does, the mean and variance of single-sample
estimates with those of the reparameterized estimate (unbiased, larger variance).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.checks.compare import Mistake, judge_values, tensor_result
from vae_course.checks.harness import CheckFailed, call, checked, fmt_shape, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse

__all__ = ["NAME", "OBJECTIVES", "check_score_function_gradient"]

NAME = "score_function_gradient"
# (TF function of z (K, B, D) -> (K, B), its NumPy twin, the NumPy gradient of f with respect to z)
OBJECTIVES = {
    "sum of squares": (lambda z: tf.reduce_sum(tf.square(z), -1), lambda z: np.sum(z ** 2, -1), lambda z: 2 * z),
    "sum of sines": (lambda z: tf.reduce_sum(tf.sin(z), -1), lambda z: np.sum(np.sin(z), -1), np.cos),
    "step": (lambda z: tf.cast(z[..., 0] > 0, z.dtype), lambda z: (z[..., 0] > 0).astype(np.float64),
             np.zeros_like),
}


def _estimate(values, score):
    return np.mean(values[..., None] * score, axis=0)  # (B, D)


def _reference(fnp, mean, logvar, eps):
    sd = np.exp(0.5 * logvar)
    return _estimate(fnp(mean + sd * eps), eps / sd)  # ∂/∂μ log q(z) = (z − μ)/σ² = ε/σ


def _with_baseline(fnp, mean, logvar, eps, leave_one_out):
    """The estimate with f(z_k) replaced by f(z_k) − b_k: b_k the mean of the other samples' f (or of all K)."""
    sd = np.exp(0.5 * logvar)
    values = fnp(mean + sd * eps)  # (K, B)
    k = len(values)
    with np.errstate(all="ignore"):
        baseline = (values.sum(0) - values) / (k - 1) if leave_one_out else values.mean(0, keepdims=True)
    return _estimate(values - baseline, eps / sd)


BASELINE = ("You subtracted a baseline from f(z_k) ({which}). That is a good variance-reduction idea, but this "
            "exercise asks for the plain estimator of its contract, without a baseline or control variate, so that "
            "its variance can be compared with the reparameterized one: weight each sample's score by f(z_k) itself.")


def _mistakes(fnp, grad):
    sd = lambda logvar: np.exp(0.5 * logvar)  # noqa: E731
    return (
        Mistake(BASELINE.format(which="the mean of the other samples' values: unbiased"),
                lambda mean, logvar, eps: _with_baseline(fnp, mean, logvar, eps, True)),
        Mistake(BASELINE.format(which="the mean of all K values, the sample's own included: slightly biased"),
                lambda mean, logvar, eps: _with_baseline(fnp, mean, logvar, eps, False)),
        Mistake("That is the reparameterization estimate (the average of ∂f/∂z): here f must only be evaluated, "
                "and the gradient comes from the log-density of q, not from f.",
                lambda mean, logvar, eps: np.mean(grad(mean + sd(logvar) * eps), 0)),
        Mistake("The sign is flipped: the score is the gradient of log q with respect to μ (not to z).",
                lambda mean, logvar, eps: -_estimate(fnp(mean + sd(logvar) * eps), eps / sd(logvar))),
        Mistake("Your score is (z − μ) without the division: differentiate the Gaussian's log-density with respect "
                "to μ completely.",
                lambda mean, logvar, eps: _estimate(fnp(mean + sd(logvar) * eps), sd(logvar) * eps)),
        Mistake("Your score is divided by σ once too few (or by the standard deviation instead of the variance).",
                lambda mean, logvar, eps: _estimate(fnp(mean + sd(logvar) * eps), eps)),
        Mistake("You summed over the K samples: the estimate is their average.",
                lambda mean, logvar, eps: len(eps) * _estimate(fnp(mean + sd(logvar) * eps), eps / sd(logvar))),
        Mistake("f is missing: each sample's score is weighted by the value f(z_k).",
                lambda mean, logvar, eps: np.mean(eps / sd(logvar), 0)),
    )


def _case(rng, k, b, d):
    return {"mean": rng.normal(0, 1, (b, d)).astype(np.float32),
            "logvar": rng.uniform(-1.5, 1.0, (b, d)).astype(np.float32),
            "eps": rng.normal(0, 1, (k, b, d)).astype(np.float32)}


def _describe(case, got, want):
    with np.printoptions(precision=4, suppress=True):
        return (f"Example: mean {case['mean'].tolist()}, K = {len(case['eps'])} samples:\n  you returned "
                f"{np.asarray(got, np.float32)}, expected {np.asarray(want, np.float32)}.")


def _run(fn, f, case):
    k, b, d = case["eps"].shape
    args = {"f": f, **{key: tf.constant(v) for key, v in case.items()}}

    def shape_hint(got):
        if got == (k, b, d):
            return "You returned one estimate per sample: average over the K samples (axis 0)."
        return None

    return tensor_result(call(fn, NAME, args), NAME, (b, d), shape_hint)


def _judge_statistics(fn, rng):
    """Single-sample estimates for f(z) = Σ z²: unbiased (mean 2μ) like the reparameterized ones, larger spread."""
    n, mean = 4000, np.array([[0.5, -1.0]], np.float32)
    case = {"mean": np.repeat(mean, n, 0), "logvar": np.full((n, 2), np.log(0.5), np.float32),
            "eps": rng.normal(0, 1, (1, n, 2)).astype(np.float32)}
    score = _run(fn, OBJECTIVES["sum of squares"][0], case)  # (n, 2): n single-sample estimates
    reparam = 2 * (case["mean"] + np.sqrt(0.5) * case["eps"][0])  # (n, 2)
    se = score.std(0) / np.sqrt(n)
    if np.any(np.abs(score.mean(0) - 2 * mean[0]) > 5 * se):
        raise CheckFailed(f"{NAME}: averaged over {n} draws your estimates give {score.mean(0)}, but the gradient of "
                          f"E[Σ z²] with respect to μ is 2μ = {2 * mean[0]}: the estimator is biased.")
    return float(np.mean(score.var(0) / reparam.var(0)))


@checked(NAME)
@name_integer_dtypes
def check_score_function_gradient(score_function_gradient) -> None:
    """Checks the learner's REINFORCE estimator: exact values for three f, then unbiasedness and variance."""
    __tracebackhide__ = True
    rng = np.random.default_rng(41)
    first = _case(np.random.default_rng(40), 3, 2, 2)
    refuse(score_function_gradient, NAME, {"f": OBJECTIVES["sum of squares"][0],
                                           **{k: tf.constant(v) for k, v in first.items()}})
    for label, (ftf, fnp, grad) in OBJECTIVES.items():
        for k, b, d in ((1, 1, 1), (5, 3, 2), (16, 2, 4), (3, 5, 3)):
            case = _case(rng, k, b, d)
            got = _run(score_function_gradient, ftf, case)
            want = _reference(fnp, **{key: v.astype(np.float64) for key, v in case.items()})
            judge_values(f"{NAME} (f = {label}, eps of shape {fmt_shape((k, b, d))})", got, want, case,
                         mistakes=_mistakes(fnp, grad), rtol=1e-4, atol=1e-4, describe=_describe)
    ratio = _judge_statistics(score_function_gradient, rng)
    success(NAME, f"right for 3 functions f (a step function included), unbiased, and {ratio:.1f}x the variance of "
                  "the reparameterized estimate for f = Σ z²")
