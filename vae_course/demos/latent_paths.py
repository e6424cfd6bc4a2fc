"""Paths between two latent codes, for interpolation pictures (lesson 09).

Decode the points of a path from the code of one digit to the code of another and you see how
the decoder morphs one into the other. Two paths:

* :func:`linear_path`, the straight segment z_t = (1 − t)·z_start + t·z_end;
* :func:`spherical_path`, which turns the *direction* along a great circle (slerp) and changes
  the *length* linearly. Under the prior N(0, I) in D dimensions, ‖z‖ concentrates near √D,
  while the midpoint of two independent prior samples has norm near √(D/2): the straight
  segment cuts through a region the prior almost never samples; the spherical path does not.

Both return the points for t = 0, 1/(n−1), ..., 1 as a float32 tensor (n, D), ready for
``model.decode``. They compute in NumPy (float64), so call them eagerly, not inside a ``tf.function``.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.validation import as_float32, check_finite, check_rank, check_same_shape

__all__ = ["PARALLEL_TOL", "path_weights", "linear_path", "spherical_path"]

PARALLEL_TOL = 1e-6  # |sin Ω| below this: the two directions are treated as parallel or opposite


def _endpoints(z_start, z_end):
    """The validated endpoints as float64 numpy vectors (D,), for accurate arithmetic."""
    expected = "(D,), e.g. mean[i] for one row of the encoder's (B, D) output"
    named = {"z_start": as_float32(z_start, "z_start", expected), "z_end": as_float32(z_end, "z_end", expected)}
    for name, t in named.items():
        check_rank(t, 1, name, expected)
    check_same_shape(named, expected)
    for name, t in named.items():
        check_finite(t, name)
    if named["z_start"].shape[0] == 0:
        raise ValueError("z_start and z_end must have at least one dimension, got shape (0,).")
    return named["z_start"].numpy().astype(np.float64), named["z_end"].numpy().astype(np.float64)


def path_weights(n: int) -> np.ndarray:
    """The interpolation weights t = 0, 1/(n−1), ..., 1: float64 (n,), n >= 2."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2 (the path includes both endpoints), got {n!r}.")
    return np.linspace(0.0, 1.0, int(n))


def linear_path(z_start, z_end, n: int = 10):
    """Points on the segment from ``z_start`` to ``z_end``: z_t = (1 − t)·z_start + t·z_end.

    Args:
        z_start, z_end: float32 (D,), e.g. two encoder means.
        n: number of points, >= 2; the first is z_start, the last z_end, equally spaced.

    Returns:
        float32 tensor (n, D).
    """
    t = path_weights(n)[:, None]  # (n, 1)
    a, b = _endpoints(z_start, z_end)  # (D,) each
    return tf.constant((1.0 - t) * a + t * b, tf.float32)  # (n, D)


def spherical_path(z_start, z_end, n: int = 10):
    """Slerp of the directions, linear interpolation of the lengths.

    z_t = ((1 − t)·‖a‖ + t·‖b‖) · [sin((1 − t)Ω)·â + sin(tΩ)·b̂] / sin Ω,  cos Ω = â·b̂,

    with â = a/‖a‖ and b̂ = b/‖b‖: the direction of z_t turns at constant speed along the great
    circle from â to b̂ (the angle between z_t and a is t·Ω), and ‖z_t‖ moves linearly from ‖a‖
    to ‖b‖. For ‖a‖ = ‖b‖ this is the slerp of White (2016), "Sampling generative networks".
    Parallel directions (Ω ≈ 0) give the straight segment.

    Args:
        z_start, z_end: float32 (D,), both non-zero and not pointing in opposite directions
            (then the great circle is not unique).
        n: number of points, >= 2.

    Returns:
        float32 tensor (n, D).

    Raises:
        ValueError: a zero endpoint or opposite directions (use :func:`linear_path` there).
    """
    t = path_weights(n)[:, None]  # (n, 1)
    a, b = _endpoints(z_start, z_end)  # (D,) each
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a == 0.0 or norm_b == 0.0:
        raise ValueError("spherical_path needs non-zero z_start and z_end (a zero vector has no direction); "
                         "use linear_path instead.")
    a_hat, b_hat = a / norm_a, b / norm_b
    cos = float(np.clip(a_hat @ b_hat, -1.0, 1.0))
    sin = float(np.linalg.norm(b_hat - cos * a_hat))  # = sin Ω, accurate also for small Ω
    lengths = (1.0 - t) * norm_a + t * norm_b  # (n, 1)
    if sin < PARALLEL_TOL:
        if cos < 0:
            raise ValueError("z_start and z_end point in opposite directions, so the great circle between them is "
                             "not unique; use linear_path, or move one endpoint slightly.")
        return tf.constant(lengths * a_hat, tf.float32)  # same direction: only the length changes
    omega = np.arctan2(sin, cos)  # Ω in (0, π)
    directions = (np.sin((1.0 - t) * omega) * a_hat + np.sin(t * omega) * b_hat) / np.sin(omega)  # (n, D), unit
    return tf.constant(lengths * directions, tf.float32)  # (n, D)
