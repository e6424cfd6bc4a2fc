"""Input checks shared by the probability helpers and losses (lessons 02-06).

The integer checks (:func:`positive_int`, :func:`nonnegative_int`) live in the TensorFlow-free
:mod:`vae_course.contracts` and are re-exported here.

Every helper refuses what it cannot treat correctly instead of broadcasting or casting it
silently: wrong rank or shape, shapes that differ between arguments, integer or float64
dtypes, NaN or infinite values, and non-binary pixels. Shape errors are found when a
``tf.function`` is traced (``ValueError``); value errors are ``ValueError`` in eager mode and
``tf.errors.InvalidArgumentError`` at run time inside a ``tf.function``, with the same message.

Inside a ``tf.function`` the ``check_*`` functions return the assert ops they create (in eager
mode, an empty list); pass them to :func:`after_checks` so that the computation waits for them.
Otherwise an op that fails on the same bad input (e.g. a subtraction of tensors of different
shapes) may run first and report its own, less helpful, error.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.contracts import is_positive_int, nonnegative_int, positive_int

__all__ = ["is_positive_int", "positive_int", "nonnegative_int", "as_float32", "check_rank", "check_same_shape", "check_same_batch",
           "check_finite", "check_binary", "after_checks"]


def as_float32(value, name: str, expected: str) -> tf.Tensor:
    """Converts ``value`` to a float32 tensor, refusing other dtypes.

    Args:
        value: tf.Tensor, tf.Variable, numpy array, or Python number/list.
        name: the argument's name, for messages.
        expected: the expected shape in words, e.g. "(B, D)", for messages.
    """
    if isinstance(value, (tf.Tensor, tf.Variable, np.ndarray, np.generic)):
        dtype = tf.as_dtype(value.dtype)
        if dtype != tf.float32:
            raise TypeError(f"{name} must be float32 with shape {expected}, got dtype {dtype.name}; "
                            f"convert it first with tf.cast({name}, tf.float32) or {name}.astype(np.float32).")
        return tf.convert_to_tensor(value)
    try:
        return tf.convert_to_tensor(value, dtype=tf.float32)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a float32 tensor with shape {expected}, got {type(value).__name__}.") from err


def check_rank(t: tf.Tensor, rank: int | None, name: str, expected: str, min_rank: int | None = None) -> None:
    """Raises ValueError unless ``t`` has exactly ``rank`` (or at least ``min_rank``) axes."""
    r = t.shape.rank
    if r is None:
        return
    if (rank is not None and r != rank) or (min_rank is not None and r < min_rank):
        raise ValueError(f"{name} must have shape {expected}, got shape {tuple(t.shape)} "
                         f"(rank {r}).")


def check_same_shape(named: dict, expected: str) -> list:
    """Raises ValueError unless all tensors in ``named`` have the same shape (no broadcasting)."""
    items = list(named.items())
    first_name, first = items[0]
    for other_name, other in items[1:]:
        if not first.shape.is_compatible_with(other.shape):  # also false when both ranks are known and differ
            hint = ""
            if first.shape.rank is not None and other.shape.rank is not None and abs(first.shape.rank - other.shape.rank) == 1:
                hint = " One of them lacks (or has an extra) trailing axis: add it with [..., None] or remove it."
            raise ValueError(f"{first_name} and {other_name} must have the same shape {expected}, got "
                             f"{tuple(first.shape)} and {tuple(other.shape)}; nothing is broadcast.{hint}")
    if tf.executing_eagerly():
        return []
    return [tf.debugging.assert_equal(tf.shape(first), tf.shape(other), message=(
        f"{first_name} and {other_name} must have the same shape {expected}; nothing is broadcast."))
        for other_name, other in items[1:]]


def check_same_batch(named: dict, expected: str) -> list:
    """Raises ValueError unless all tensors in ``named`` (rank >= 1) have the same first-axis size B."""
    items = list(named.items())
    first_name, first = items[0]
    for other_name, other in items[1:]:
        b1 = first.shape[0] if first.shape.rank is not None else None
        b2 = other.shape[0] if other.shape.rank is not None else None
        if b1 is not None and b2 is not None and b1 != b2:
            raise ValueError(f"{first_name} and {other_name} must have the same batch size B ({expected}), got "
                             f"shapes {tuple(first.shape)} and {tuple(other.shape)}; nothing is broadcast.")
    if tf.executing_eagerly():
        return []
    return [tf.debugging.assert_equal(tf.shape(first)[0], tf.shape(other)[0], message=(
        f"{first_name} and {other_name} must have the same batch size B ({expected}); nothing is broadcast."))
        for other_name, other in items[1:]]


def check_finite(t: tf.Tensor, name: str) -> list:
    """Raises if ``t`` holds NaN or infinite values."""
    message = f"{name} holds NaN or infinite values; expected finite float32 numbers."
    if tf.executing_eagerly():
        if not bool(tf.reduce_all(tf.math.is_finite(t))):
            raise ValueError(message)
        return []
    return [tf.debugging.assert_all_finite(t, message)]


def check_binary(t: tf.Tensor, name: str) -> list:
    """Raises unless every value of ``t`` is exactly 0 or 1 (binarized pixels)."""
    ok = tf.reduce_all(tf.logical_or(tf.equal(t, 0.0), tf.equal(t, 1.0)))
    message = (f"{name} must hold only 0 and 1 (binarized pixels) for a Bernoulli likelihood; "
               "binarize the images first (vae_course.preprocessing.binarize).")
    if tf.executing_eagerly():
        if not bool(ok):
            raise ValueError(message)
        return []
    return [tf.debugging.assert_equal(ok, True, message=message)]


def after_checks(checks: list, *tensors):
    """The tensors, computed only once the run-time ``checks`` have passed (a tuple, one per tensor).

    In eager mode the checks have already run and the tensors come back unchanged.
    """
    checks = [c for c in checks if c is not None]
    if not checks or tf.executing_eagerly():
        return tensors
    with tf.control_dependencies(checks):
        return tuple(tf.identity(t) for t in tensors)
