"""Check of exercise 06.3, ``iwae_bound(log_weights)``: the importance-weighted bound, (K, B) -> (B,).

L_K = log (1/K) Σ_k w_k per example, from log-weights log w_k = log p(x, z_k) − log q(z_k|x), computed
stably (finite for log-weights of −10⁴, where every w_k underflows to 0). With K = 1 it is the
single-sample ELBO itself.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.checks.compare import Mistake, judge_gradients, run_case
from vae_course.checks.harness import checked, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse

__all__ = ["NAME", "reference", "MISTAKES", "NONFINITE", "check_iwae_bound"]

NAME = "iwae_bound"


def _logmeanexp(log_weights, axis=0):
    m = np.max(log_weights, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.mean(np.exp(log_weights - m), axis=axis))


def reference(log_weights):
    """The check's reference, in float64 NumPy (any float32 answer is compared with it)."""
    return _logmeanexp(np.asarray(log_weights, np.float64))


MISTAKES = (
    Mistake("You averaged the log-weights: that is the average of K single-sample ELBOs, a looser bound. The "
            "bound is the log of the average weight, not the average of the log-weights.",
            lambda log_weights: np.mean(log_weights, 0)),
    Mistake("You took the log of a sum: the bound is the log of the average of the K weights.",
            lambda log_weights: _logmeanexp(log_weights) + np.log(len(log_weights))),
    Mistake("You kept only the largest log-weight: the other weights count too.",
            lambda log_weights: np.max(log_weights, 0)),
    Mistake("You reduced the wrong axis: the K samples are on axis 0, the B examples on axis 1.",
            lambda log_weights: _logmeanexp(log_weights, 1)),
)
NONFINITE = ("For log-weights around −10⁴ every weight exp(log w) underflows to 0 in float32, and log 0 = −inf: the "
             "log-weights cannot be exponentiated as they are (hint level 2 says what to do instead).")


def _case(rng, k, b, scale=3.0, shift=-100.0):
    return {"log_weights": (shift + rng.normal(0, scale, (k, b))).astype(np.float32)}


def _describe(case, got, want):
    """The example (column of log_weights) with the largest error, with its own K log-weights."""
    with np.errstate(all="ignore"):
        err = np.abs(np.asarray(got, np.float64) - want)
    b = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
    column = np.array2string(case["log_weights"][:, b], precision=4, separator=", ", threshold=8)
    return (f"Example (example {b} of the batch: column {b} of log_weights, its K = {len(case['log_weights'])} "
            f"log-weights {column})\n  you returned {got[b]:.6g}, expected {want[b]:.6g}.")


def _shape_hint(k, b):
    def hint(got):
        if got == (k,):
            return "You reduced axis 1 (the examples); reduce axis 0, the K samples, and keep one value per example."
        if got == (k, b):
            return "Reduce over the K samples (axis 0), keeping one value per example."
        if got == ():
            return "You reduced the examples too: reduce axis 0 only."
        if got == (1, b):
            return "Drop the reduced axis (do not use keepdims=True)."
        return None

    return hint


@checked(NAME)
@name_integer_dtypes
def check_iwae_bound(iwae_bound) -> None:
    """Checks the learner's ``iwae_bound`` on random log-weights, K = 1, K = B, log-weights of −10⁴, and gradients."""
    __tracebackhide__ = True
    rng = np.random.default_rng(61)
    cases = [_case(rng, int(rng.integers(2, 9)), int(rng.integers(1, 7))) for _ in range(20)]
    edges = [_case(rng, 1, 4), _case(rng, 5, 5), _case(rng, 6, 3, scale=50.0, shift=-1e4),
             {"log_weights": np.array([[-1e4, 0.0], [-1e4 + 1.0, -20.0], [-1e4 - 3.0, 5.0]], np.float32)}]
    refuse(iwae_bound, NAME, {"log_weights": tf.constant(cases[0]["log_weights"])})
    for case in cases + edges:
        k, b = case["log_weights"].shape
        run_case(iwae_bound, NAME, case, reference, expected_shape=(b,), shape_hint=_shape_hint(k, b),
                 mistakes=MISTAKES, nonfinite_hint=NONFINITE, rtol=1e-5, atol=1e-3, describe=_describe)
    judge_gradients(iwae_bound, NAME, cases[0], ("log_weights",),
                    lambda log_weights: tf.reduce_logsumexp(log_weights, 0) - tf.math.log(
                        tf.cast(tf.shape(log_weights)[0], tf.float32)))
    success(NAME, "right on 20 random cases, K = 1, K = B, log-weights of −10⁴, and in its gradient")
