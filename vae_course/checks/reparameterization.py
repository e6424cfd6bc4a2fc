"""Check of exercise 04, ``reparameterize(mean, logvar, eps)``: z = μ + σ ⊙ ε, (B, D).

Reference: :func:`vae_course.distributions.reparameterize` (lesson 04).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.checks.compare import Mistake, judge_gradients, run_case
from vae_course.checks.harness import CheckFailed, call, checked, fmt_shape, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse
from vae_course.distributions import reparameterize as reference

__all__ = ["NAME", "MISTAKES", "NONFINITE", "check_reparameterize"]

NAME = "reparameterize"
MISTAKES = (
    Mistake("You returned the mean: z needs the noise term too.",
            lambda mean, logvar, eps: mean),
    Mistake("You scaled eps by the variance; scale it by the standard deviation (exercise 03).",
            lambda mean, logvar, eps: mean + np.exp(logvar) * eps),
    Mistake("You scaled eps by half the variance; scale it by the standard deviation (exercise 03).",
            lambda mean, logvar, eps: mean + 0.5 * np.exp(logvar) * eps),
    Mistake("logvar is not the standard deviation: convert it first (exercise 03).",
            lambda mean, logvar, eps: mean + logvar * eps),
    Mistake("eps must be scaled by the standard deviation before it is added to the mean.",
            lambda mean, logvar, eps: mean + eps),
    Mistake("You forgot to add the mean: z must be centred on it.",
            lambda mean, logvar, eps: np.exp(0.5 * logvar) * eps),
    Mistake("Shift the scaled noise by the mean: add it, do not multiply by it.",
            lambda mean, logvar, eps: mean * np.exp(0.5 * logvar) * eps),
    Mistake("You scaled eps by 1/σ: the sign in your exponent is flipped.",
            lambda mean, logvar, eps: mean + np.exp(-0.5 * logvar) * eps),
)
NONFINITE = ("You went through the variance exp(logvar), which overflows float32 for logvar > 88: "
             "get σ from logvar with a single exponential (exercise 03).")


def _case(rng, b, d, low=-4.0, high=4.0):
    return {"mean": rng.normal(0, 2, (b, d)).astype(np.float32),
            "logvar": rng.uniform(low, high, (b, d)).astype(np.float32),
            "eps": rng.normal(0, 1, (b, d)).astype(np.float32)}


def _uses_given_eps(fn, case):
    tensors = {k: tf.constant(v) for k, v in case.items()}
    first, second = call(fn, NAME, tensors), call(fn, NAME, tensors)
    if isinstance(first, (tf.Tensor, np.ndarray)) and isinstance(second, (tf.Tensor, np.ndarray)):
        if np.shape(first) == np.shape(second) and not np.array_equal(np.asarray(first), np.asarray(second)):
            raise CheckFailed(f"{NAME} gave two different results for the same mean, logvar and eps: use the eps "
                              "you are given and draw no noise of your own (no tf.random inside). The randomness "
                              "lives in eps alone; that is what makes z differentiable in mean and logvar.")


@checked(NAME)
@name_integer_dtypes
def check_reparameterize(reparameterize) -> None:
    """Checks the learner's ``reparameterize`` on random and extreme inputs and its gradients."""
    __tracebackhide__ = True
    rng = np.random.default_rng(4)
    cases = [_case(rng, int(rng.integers(1, 9)), int(rng.integers(1, 7))) for _ in range(40)]
    edges = [_case(rng, 3, 2, -100, -50), _case(rng, 3, 2, 50, 100), _case(rng, 1, 1)]
    refuse(reparameterize, NAME, {k: tf.constant(v) for k, v in cases[0].items()})
    _uses_given_eps(reparameterize, cases[0])
    for case in cases + edges:
        shape = case["mean"].shape
        run_case(reparameterize, NAME, case, reference, expected_shape=shape,
                 shape_hint=lambda got: f"z has the shape of mean, logvar and eps, {fmt_shape(shape)}.",
                 mistakes=MISTAKES, nonfinite_hint=NONFINITE, rtol=1e-4, atol=1e-5)
    judge_gradients(reparameterize, NAME, cases[0], ("mean", "logvar"), reference)
    success(NAME, "correct on 40 random cases, 3 extreme ones (|logvar| up to 100) and its gradients")
