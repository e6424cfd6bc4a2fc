"""The plain-Python contracts the whole package shares: image shape, estimator names, integer checks.

This module imports neither TensorFlow nor NumPy, so that the command line, the
training configuration and anything else that only needs to *check* a value can use it without
starting TensorFlow. :mod:`vae_course.validation` (the tensor checks, lessons 02-06) re-exports
the integer checks; :mod:`vae_course.data` re-exports :data:`IMAGE_SHAPE` and
:mod:`vae_course.losses` :data:`ESTIMATORS`.
"""
from __future__ import annotations

import numbers

__all__ = ["IMAGE_SHAPE", "ESTIMATORS", "is_positive_int", "positive_int", "nonnegative_int", "check_momentum"]

IMAGE_SHAPE = (28, 28, 1)  # (H, W, C) of one MNIST image as the models see it (lesson 01)
ESTIMATORS = ("analytic", "mc")  # the ELBO's two estimators (lesson 06): analytic KL, single-sample Monte Carlo


def _is_int(value) -> bool:
    """A Python or numpy integer, not a bool (numpy's integers, not its bool_, are numbers.Integral)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_positive_int(value) -> bool:
    """True for a Python or numpy integer (not a bool) that is >= 1."""
    return _is_int(value) and value >= 1


def positive_int(value, name: str) -> int:
    """The package's check of a count argument: ``value`` (>= 1) as a Python int, or a ValueError.

    Args:
        value: a Python or numpy integer; bools, floats and strings are refused.
        name: the argument's name, for the message.
    """
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def nonnegative_int(value, name: str) -> int:
    """Like :func:`positive_int`, but 0 is allowed too (a seed, "0 samples: skip")."""
    if not (_is_int(value) and value >= 0):
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}.")
    return int(value)


def check_momentum(value, name: str = "ema_momentum") -> float:
    """The one check of a weight-average momentum (lesson 10): a number in [0, 1), as a float; 0 turns it off."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1) (0 turns weight averaging off), got {value!r}.")
    return float(value)
