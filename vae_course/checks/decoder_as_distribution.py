"""Check of exercise 05, ``bernoulli_log_likelihood(x, x_logits)``: (B, 28, 28, 1) -> (B,).

Reference: :func:`vae_course.distributions.bernoulli_log_likelihood` (lesson 05),
log p(x|z) = Σ_pixels [ x·ℓ − softplus(ℓ) ], stable for any finite logits ℓ.
"""
from __future__ import annotations

import numpy as np

from vae_course.checks.compare import Mistake, judge_gradients, per_example_hint, run_case
import tensorflow as tf

from vae_course.checks.harness import checked, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse
from vae_course.distributions import bernoulli_log_likelihood as reference

__all__ = ["NAME", "AXES", "MISTAKES", "STABLE", "check_bernoulli_log_likelihood"]

NAME = "bernoulli_log_likelihood"
AXES = (1, 2, 3)


def _softplus(t):
    return np.logaddexp(0.0, t)


def _per_pixel(x, x_logits):
    return x * x_logits - _softplus(x_logits)  # log p of each pixel, float64


def _through_probabilities(x, x_logits):
    """sigmoid, then log, in float32 as a learner's code would: -inf or NaN for confident logits."""
    with np.errstate(all="ignore"):
        p = (1 / (1 + np.exp(-x_logits.astype(np.float32)))).astype(np.float32)
        return np.sum(x * np.log(p) + (1 - x) * np.log(np.float32(1) - p), AXES, dtype=np.float32)


MISTAKES = (
    Mistake("Your values are positive, but the log-probability of binary pixels is <= 0 (each pixel's "
            "probability is at most 1): check the overall sign.",
            lambda x, x_logits: -np.sum(_per_pixel(x, x_logits), AXES)),
    Mistake("You averaged over the pixels: they are independent given z, so their log-probabilities add up (sum).",
            lambda x, x_logits: np.mean(_per_pixel(x, x_logits), AXES)),
    Mistake("x holds the labels (the 0/1 pixels) and x_logits the decoder's logits: you swapped them.",
            lambda x, x_logits: np.sum(x_logits * x - _softplus(x), AXES)),
    Mistake("Pixels equal to 0 contribute log(1 − σ(ℓ)): that term is missing.",
            lambda x, x_logits: np.sum(x * -_softplus(-x_logits), AXES)),
    Mistake("Pixels equal to 1 contribute log σ(ℓ): that term is missing.",
            lambda x, x_logits: np.sum((1 - x) * -_softplus(x_logits), AXES)),
    Mistake("Each pixel's value is off by its logit ℓ: log σ(ℓ) and log(1 − σ(ℓ)) differ by exactly ℓ: "
            "check which of the two each pixel value uses (or a sign inside).",
            lambda x, x_logits: np.sum(x * x_logits - _softplus(-x_logits), AXES)),
    Mistake("The logits are not probabilities: the probability of a white pixel is σ(ℓ), the sigmoid of the logit.",
            lambda x, x_logits: np.sum(x * np.log(x_logits) + (1 - x) * np.log(1 - x_logits), AXES)),
)
STABLE = ("You went through probabilities (sigmoid, then log): in float32, σ(ℓ) rounds to exactly 1 for ℓ ≳ 17 "
          "and to 0 for ℓ ≲ −104, so log gives −inf or NaN, and clipping gives wrong values. Logits like ±1e4 need "
          "a computation that never leaves the logits (hint level 2 says how).")
MISTAKES = (Mistake(STABLE, _through_probabilities),) + MISTAKES  # first: it also gives NaN, as the last one does


def _case(rng, b, scale=2.0):
    x = (rng.random((b, 28, 28, 1)) < 0.3).astype(np.float32)
    return {"x": x, "x_logits": rng.normal(0.0, scale, (b, 28, 28, 1)).astype(np.float32)}


def _edge_cases(rng):
    x = (rng.random((3, 28, 28, 1)) < 0.5).astype(np.float32)
    confident = np.where(x > 0, 1e4, -1e4).astype(np.float32)  # right and sure: log p ≈ 0
    wrong = confident.copy()
    wrong[:, 10:12, 10:12, :] *= -1  # 4 confidently wrong pixels per image: log p ≈ −4e4
    return [{"x": x, "x_logits": confident}, {"x": x, "x_logits": wrong},
            {"x": np.ones((1, 28, 28, 1), np.float32), "x_logits": np.full((1, 28, 28, 1), 30.0, np.float32)},
            {"x": np.zeros((2, 28, 28, 1), np.float32), "x_logits": np.zeros((2, 28, 28, 1), np.float32)}]


@checked(NAME)
@name_integer_dtypes
def check_bernoulli_log_likelihood(bernoulli_log_likelihood) -> None:
    """Checks the learner's ``bernoulli_log_likelihood`` on random images, confident logits (±1e4) and gradients."""
    __tracebackhide__ = True
    rng = np.random.default_rng(5)
    cases = [_case(rng, int(rng.integers(1, 6))) for _ in range(20)]
    refuse(bernoulli_log_likelihood, NAME, {k: tf.constant(v) for k, v in cases[0].items()})
    edges = _edge_cases(rng)
    for i, case in enumerate(cases + edges):
        b = len(case["x"])
        run_case(bernoulli_log_likelihood, NAME, case, lambda x, x_logits: reference(x, x_logits),
                 expected_shape=(b,), shape_hint=_shape_hint(b), mistakes=MISTAKES, nonfinite_hint=STABLE,
                 case_hint=STABLE if i >= len(cases) else "", rtol=1e-4, atol=1e-2, describe=_describe)
    judge_gradients(bernoulli_log_likelihood, NAME, cases[0], ("x_logits",), lambda x, x_logits: reference(x, x_logits))
    success(NAME, "correct on 20 random batches, on logits of ±1e4 and in its gradient")


def _shape_hint(b):
    generic = per_example_hint(b, (28, 28, 1), "the pixel axes 1, 2 and 3")

    def hint(got):
        if got == (b, 28, 28):
            return ("You reduced only the channel axis (as tf.keras.losses.binary_crossentropy does): "
                    "sum over all pixel axes 1, 2 and 3.")
        return generic(got)

    return hint


def _describe(case, got, want):
    return (f"Example: a batch of {len(case['x'])} images, logits from {case['x_logits'].min():.4g} to "
            f"{case['x_logits'].max():.4g}: you returned {np.array2string(np.asarray(got), precision=2)}, "
            f"expected {np.array2string(np.asarray(want), precision=2)}.")
