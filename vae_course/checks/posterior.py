"""Check of exercise 02.2, ``posterior(mean, logvar)``: q(z|x) as a TFP distribution.

The result must have batch_shape (B,) and event_shape (D,), and its ``log_prob(z)`` of a (B, D)
tensor must equal the diagonal-Gaussian log-density (reference: :func:`vae_course.distributions.log_normal_pdf`,
lesson 02), with gradients reaching ``mean`` and ``logvar``.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course import distributions
from vae_course.checks.compare import is_distribution, judge_values
from vae_course.checks.harness import CheckFailed, call, checked, describe_error, settler, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse

__all__ = ["NAME", "MISTAKES", "check_posterior"]

NAME = "posterior"


def _distribution(result, b, d):
    if result is None:
        raise CheckFailed(f"{NAME} returned None: end your function with a `return` statement.")
    if not is_distribution(result):
        raise CheckFailed(f"{NAME} returned {type(result).__name__}, not a TFP distribution: return the distribution "
                          "object itself (its log_prob is what the rest of the course uses), not a sample or a "
                          "log-density.")
    batch, event = tuple(result.batch_shape), tuple(result.event_shape)
    if (batch, event) == ((b, d), ()):
        raise CheckFailed(f"{NAME}: your distribution has batch_shape ({b}, {d}) and event_shape (): TFP sees {b}·{d} "
                          f"separate one-dimensional Gaussians, so log_prob(z) gives one number per coordinate, shape "
                          f"({b}, {d}). q(z|x) is one distribution over a {d}-vector per example: batch_shape ({b},), "
                          f"event_shape ({d},). Make the last batch axis the event axis.")
    if (batch, event) != ((b,), (d,)):
        raise CheckFailed(f"{NAME}: your distribution has batch_shape {batch} and event_shape {event}; expected "
                          f"batch_shape ({b},) (one distribution per example) and event_shape ({d},) (a {d}-vector z).")
    return result


def _log_prob(dist, z):
    try:
        out = dist.log_prob(z)
    except Exception as err:  # noqa: BLE001 (the learner's distribution failed: a hint, not a traceback)
        raise CheckFailed(describe_error(err, f"{NAME}(...).log_prob", {"z": z})) from None
    if out.dtype != tf.float32:
        raise CheckFailed(f"{NAME}: log_prob returned dtype {out.dtype.name}; keep the distribution float32.")
    return out


MISTAKES = (
    ("You used the variance as the scale: TFP's scale is the standard deviation (exercise 03).",
     lambda mean, logvar: tf.exp(logvar)),
    ("You used logvar itself as the scale: the scale is the standard deviation, which is always positive.",
     lambda mean, logvar: logvar),
)


def _case(rng, b, d):
    mean = rng.normal(0, 1.5, (b, d)).astype(np.float32)
    logvar = rng.uniform(-3, 3, (b, d)).astype(np.float32)
    z = (mean + np.exp(0.5 * logvar) * rng.normal(0, 1.3, (b, d))).astype(np.float32)
    return mean, logvar, z


@checked(NAME)
@name_integer_dtypes
def check_posterior(posterior) -> None:
    """Checks the learner's ``posterior``: shapes, log_prob against the diagonal-Gaussian density, gradients."""
    __tracebackhide__ = True
    settle = settler()  # bound before any learner code runs in this check (see harness.undoer)
    rng = np.random.default_rng(21)
    cases = [_case(rng, int(rng.integers(1, 7)), int(rng.integers(1, 6))) for _ in range(12)] + [_case(rng, 3, 1)]
    mean, logvar, _ = cases[0]
    refuse(posterior, NAME, {"mean": tf.constant(mean), "logvar": tf.constant(logvar)})
    for mean, logvar, z in cases:
        b, d = mean.shape
        m, lv, zt = tf.constant(mean), tf.constant(logvar), tf.constant(z)
        dist = _distribution(call(posterior, NAME, {"mean": m, "logvar": lv}), b, d)
        got = np.asarray(_log_prob(dist, zt), np.float64)
        settle()  # what the distribution's own methods changed is undone before judging (under the grader)
        want = distributions.log_normal_pdf(zt, m, lv).numpy()
        if got.shape != (b,):
            raise CheckFailed(f"{NAME}: log_prob of z with shape ({b}, {d}) returned shape {got.shape}; expected ({b},).")
        for hint, scale in MISTAKES:
            with np.errstate(all="ignore"):
                s = np.asarray(scale(mean.astype(np.float64), logvar.astype(np.float64)))
                wrong = -0.5 * np.sum(((z - mean) / s) ** 2 + 2 * np.log(np.abs(s)) + np.log(2 * np.pi), -1)
            if np.allclose(got, wrong, rtol=1e-4, atol=1e-3) and not np.allclose(wrong, want, rtol=1e-4, atol=1e-3):
                raise CheckFailed(f"{NAME}: wrong log_prob. {hint}")
        judge_values(f"{NAME}(mean, logvar).log_prob(z)", got, want, {"z": z, "mean": mean, "logvar": logvar},
                     rtol=1e-4, atol=1e-3 * d)
    m, lv, zt = (tf.constant(t) for t in cases[0])
    with tf.GradientTape() as tape:
        tape.watch([m, lv])
        total = tf.reduce_sum(_log_prob(call(posterior, NAME, {"mean": m, "logvar": lv}), zt))
    grads = tape.gradient(total, [m, lv])
    settle()
    if any(g is None for g in grads):
        raise CheckFailed(f"{NAME}: no gradient reaches mean or logvar through log_prob: build the distribution from "
                          "the tensors with TensorFlow ops (no NumPy, no .numpy()).")
    success(NAME, "batch_shape (B,), event_shape (D,), log_prob right on 13 cases, gradients reach mean and logvar")
