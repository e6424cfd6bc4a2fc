"""Check of exercise 03, ``std_from_logvar(logvar)``: σ = exp(½·logvar), any shape.

Reference: :func:`vae_course.distributions.std_from_logvar` (lesson 03).
"""
from __future__ import annotations

import numpy as np

from vae_course.checks.compare import Mistake, judge_gradients, run_case
from vae_course.checks.harness import fmt_shape, success
from vae_course.distributions import std_from_logvar as reference

NAME = "std_from_logvar"
MISTAKES = (
    Mistake("σ grows like exp(logvar): that is the variance σ². σ is its square root: exp(½·logvar).",
            lambda logvar: np.exp(logvar)),
    Mistake("logvar is a log, so it can be negative, and sqrt(logvar) is NaN there: the variance is exp(logvar).",
            lambda logvar: np.sqrt(logvar)),
    Mistake("½·exp(logvar) is not σ: the ½ belongs inside the exponent.",
            lambda logvar: 0.5 * np.exp(logvar)),
    Mistake("exp(2·logvar) is σ⁴, not σ: σ² = exp(logvar).",
            lambda logvar: np.exp(2 * logvar)),
    Mistake("½·logvar is log σ; σ itself is its exponential.",
            lambda logvar: 0.5 * logvar),
    Mistake("The sign is flipped: exp(−½·logvar) is 1/σ.",
            lambda logvar: np.exp(-0.5 * logvar)),
)
EXTREME = ("You went through the variance exp(logvar): it overflows float32 (inf) for logvar > 88 and underflows "
           "to 0 for logvar < −87 or so. Compute σ from logvar with a single exponential.")


def _expected_shape_hint(shape):
    return lambda got: f"σ has the same shape as logvar, {fmt_shape(shape)}: do not reduce or reshape."


def check_std_from_logvar(std_from_logvar) -> None:
    """Checks the learner's ``std_from_logvar`` on tensors of several shapes, extreme values and gradients."""
    __tracebackhide__ = True
    rng = np.random.default_rng(3)
    shapes = [(4, 2), (1, 1), (7,), (), (2, 3, 4), (16, 32)]
    cases = [{"logvar": rng.uniform(-6, 6, shapes[i % len(shapes)]).astype(np.float32)} for i in range(30)]
    edges = [{"logvar": np.array([[-100.0, 100.0], [-110.0, 110.0]], np.float32)},
             {"logvar": np.array([[-50.0, 50.0, 0.0]], np.float32)}]
    for case in cases:
        shape = case["logvar"].shape
        run_case(std_from_logvar, NAME, case, reference, expected_shape=shape,
                 shape_hint=_expected_shape_hint(shape), mistakes=MISTAKES, rtol=1e-4, atol=0.0)
    for case in edges:
        shape = case["logvar"].shape
        run_case(std_from_logvar, NAME, case, reference, expected_shape=shape,
                 shape_hint=_expected_shape_hint(shape), mistakes=MISTAKES, case_hint=EXTREME, rtol=1e-4, atol=0.0)
    judge_gradients(std_from_logvar, NAME, cases[0], ("logvar",), reference)
    success(NAME, "correct on 30 random tensors of 6 shapes, on logvar = ±50, ±100, ±110 and in its gradient")
