"""Check of exercise 02, ``log_normal_pdf(sample, mean, logvar)``: (B, D) -> (B,).

Reference: :func:`vae_course.distributions.log_normal_pdf` (lesson 02),
log N(z; μ, diag σ²) = −½ Σ_d [ (z_d − μ_d)² · exp(−logvar_d) + logvar_d + log 2π ].
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.checks.compare import Mistake, judge_gradients, per_example_hint, run_case
from vae_course.checks.harness import checked, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse
from vae_course.distributions import LOG_2PI
from vae_course.distributions import log_normal_pdf as reference

__all__ = ["NAME", "MISTAKES", "NONFINITE", "check_log_normal_pdf"]

NAME = "log_normal_pdf"


def _terms(sample, mean, logvar):
    return np.square(sample - mean) * np.exp(-logvar)  # (B, D), float64


MISTAKES = (
    Mistake("The sign is flipped: a log-density must fall as the sample moves away from the mean.",
            lambda sample, mean, logvar: 0.5 * np.sum(_terms(sample, mean, logvar) + logvar + LOG_2PI, -1)),
    Mistake("You averaged over the last axis: the dimensions are independent, so their log-densities add up "
            "(sum, not mean).",
            lambda sample, mean, logvar: -0.5 * np.mean(_terms(sample, mean, logvar) + logvar + LOG_2PI, -1)),
    Mistake("The normalizing constant (from the 2π in the density's normalizing factor) is missing, once per "
            "dimension.",
            lambda sample, mean, logvar: -0.5 * np.sum(_terms(sample, mean, logvar) + logvar, -1)),
    Mistake("The log of the factor 1/σ in front of each one-dimensional density is missing.",
            lambda sample, mean, logvar: -0.5 * np.sum(_terms(sample, mean, logvar) + LOG_2PI, -1)),
    Mistake("Your logvar term is twice too large: the normalizing factor holds σ, the square root of the "
            "variance, not the variance itself.",
            lambda sample, mean, logvar: -0.5 * np.sum(_terms(sample, mean, logvar) + 2 * logvar + LOG_2PI, -1)),
    Mistake("You divided the squared distance by the standard deviation; the density's exponent divides it by "
            "the variance.",
            lambda sample, mean, logvar: -0.5 * np.sum(np.square(sample - mean) * np.exp(-0.5 * logvar)
                                                       + logvar + LOG_2PI, -1)),
    Mistake("You multiplied the squared distance by the variance; the density's exponent divides it by the "
            "variance.",
            lambda sample, mean, logvar: -0.5 * np.sum(np.square(sample - mean) * np.exp(logvar)
                                                       + logvar + LOG_2PI, -1)),
    Mistake("logvar is the log of the variance (it can be negative): the variance is exp(logvar), not logvar.",
            lambda sample, mean, logvar: -0.5 * np.sum(np.square(sample - mean) / logvar + np.log(logvar)
                                                       + LOG_2PI, -1)),
)
NONFINITE = ("Stay in log space: do not compute the density and then take its log. For logvar = −50 "
             "(σ ≈ 1e-11) the density underflows to 0 and log(0) = −inf; write the log-density as a sum of terms.")


def _random_case(rng, b, d):
    mean = rng.normal(0, 1.5, (b, d))
    logvar = rng.uniform(-3, 3, (b, d))
    sample = mean + np.exp(0.5 * logvar) * rng.normal(0, 1.3, (b, d))
    return {"sample": sample.astype(np.float32), "mean": mean.astype(np.float32), "logvar": logvar.astype(np.float32)}


def _edge_cases():
    f = np.float32
    mean = np.array([[1.0, -2.0], [0.0, 0.0], [3.0, 0.5]], f)
    return [
        {"sample": mean + f(0.5), "mean": mean, "logvar": np.full((3, 2), -50, f)},  # σ ≈ 1e-11: huge negative values
        {"sample": mean.copy(), "mean": mean, "logvar": np.full((3, 2), -50, f)},  # sample == mean: large positive
        {"sample": mean + f(2.0), "mean": mean, "logvar": np.full((3, 2), 50, f)},  # σ ≈ 7e10
        {"sample": np.array([[0.3]], f), "mean": np.array([[0.0]], f), "logvar": np.array([[0.0]], f)},  # B = D = 1
    ]


@checked(NAME)
@name_integer_dtypes
def check_log_normal_pdf(log_normal_pdf) -> None:
    """Checks the learner's ``log_normal_pdf`` on random and extreme inputs and its gradients."""
    __tracebackhide__ = True
    rng = np.random.default_rng(2)
    random_cases = [_random_case(rng, int(rng.integers(1, 9)), int(rng.integers(1, 7))) for _ in range(40)]
    refuse(log_normal_pdf, NAME, {k: tf.constant(v) for k, v in random_cases[0].items()})
    for case in random_cases + _edge_cases():
        b, d = case["mean"].shape
        run_case(log_normal_pdf, NAME, case, reference, expected_shape=(b,),
                 shape_hint=per_example_hint(b, (d,)), mistakes=MISTAKES, nonfinite_hint=NONFINITE,
                 rtol=1e-4, atol=1e-3 * d)
    judge_gradients(log_normal_pdf, NAME, random_cases[0], ("sample", "mean", "logvar"), reference)
    success(NAME, "correct on 40 random cases, 4 extreme ones (logvar = ±50) and its gradients")
