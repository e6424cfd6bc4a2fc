"""Check of exercise 03, ``std_from_logvar(logvar)``: σ = exp(½·logvar), any shape.

Reference: :func:`vae_course.distributions.std_from_logvar` (lesson 03).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.checks.compare import Mistake, judge_gradients, judge_values, run_case, tensor_result
from vae_course.checks.harness import call, checked, fmt_shape, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse
from vae_course.distributions import std_from_logvar as reference

__all__ = ["NAME", "MISTAKES", "EXTREME", "BOUNDED", "check_std_from_logvar"]

NAME = "std_from_logvar"
MISTAKES = (
    Mistake("That is the variance σ², not the standard deviation σ.",
            lambda logvar: np.exp(logvar)),
    Mistake("logvar is a log, so it can be negative (and sqrt(logvar) is NaN there): it is the log of the "
            "variance, not the variance.",
            lambda logvar: np.sqrt(logvar)),
    Mistake("Half the variance is not σ: think about what a square root does to an exponential.",
            lambda logvar: 0.5 * np.exp(logvar)),
    Mistake("That is σ⁴, the square of the variance, not σ.",
            lambda logvar: np.exp(2 * logvar)),
    Mistake("That is log σ, which can be negative; σ itself is always positive.",
            lambda logvar: 0.5 * logvar),
    Mistake("That is 1/σ: the sign in your exponent is flipped.",
            lambda logvar: np.exp(-0.5 * logvar)),
)
EXTREME = ("You went through the variance exp(logvar): it overflows float32 (inf) for logvar > 88 and underflows "
           "to 0 for logvar < −87 or so. Compute σ from logvar with a single exponential.")
BOUNDED = ("Your σ stays finite at these extreme logvar values but is wrong there: it stops following logvar, as if "
           "logvar (or σ) were clipped or bounded. Every real logvar is a valid log-variance, and σ must follow it "
           "over the whole range: clipping changes the answer.")


def _extreme_hint(got, want) -> str:
    """Overflow or underflow (inf or 0 where σ is finite and positive) is the variance's; finite but wrong is a bound."""
    if np.any(~np.isfinite(got) | ((got == 0) & (want > 0))):
        return EXTREME
    return BOUNDED


def _expected_shape_hint(shape):
    return lambda got: f"σ has the same shape as logvar, {fmt_shape(shape)}: do not reduce or reshape."


@checked(NAME)
@name_integer_dtypes
def check_std_from_logvar(std_from_logvar) -> None:
    """Checks the learner's ``std_from_logvar`` on tensors of several shapes, extreme values and gradients."""
    __tracebackhide__ = True
    rng = np.random.default_rng(3)
    shapes = [(4, 2), (1, 1), (7,), (), (2, 3, 4), (16, 32)]
    cases = [{"logvar": rng.uniform(-6, 6, shapes[i % len(shapes)]).astype(np.float32)} for i in range(30)]
    refuse(std_from_logvar, NAME, {"logvar": tf.constant(cases[0]["logvar"])})
    edges = [{"logvar": np.array([[-100.0, 100.0], [-110.0, 110.0]], np.float32)},
             {"logvar": np.array([[-50.0, 50.0, 0.0]], np.float32)}]
    for case in cases:
        shape = case["logvar"].shape
        run_case(std_from_logvar, NAME, case, reference, expected_shape=shape,
                 shape_hint=_expected_shape_hint(shape), mistakes=MISTAKES, rtol=1e-4, atol=0.0)
    for case in edges:
        shape, logvar = case["logvar"].shape, tf.constant(case["logvar"])
        got = tensor_result(call(std_from_logvar, NAME, {"logvar": logvar}), NAME, shape, _expected_shape_hint(shape))
        want = np.asarray(reference(logvar), np.float64)
        judge_values(NAME, got, want, case, mistakes=MISTAKES, case_hint=_extreme_hint(got, want), rtol=1e-4, atol=0.0)
    judge_gradients(std_from_logvar, NAME, cases[0], ("logvar",), reference)
    success(NAME, "correct on 30 random tensors of 6 shapes, on logvar = ±50, ±100, ±110 and in its gradient")
