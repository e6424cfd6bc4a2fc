"""Check of exercise 01, ``binarize(images)``: uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in {0, 1}.

Reference: :func:`vae_course.preprocessing.binarize` (lesson 01), ``x = 1[pixel / 255 > 1/2]``.
"""
from __future__ import annotations

import numpy as np

from vae_course.checks.harness import CheckFailed, call, checked, fmt_shape, success
from vae_course.checks.shortcuts import refuse
from vae_course.preprocessing import binarize as reference_binarize

__all__ = ["NAME", "check_binarize"]

NAME = "binarize"


def _batches(rng):
    """Random uint8 digits of several batch sizes; the first holds every value 0..255, 127 and 128 included."""
    sizes = (1, 3, 7, 16, 64)
    batches = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in sizes]
    batches[1].reshape(-1)[:256] = np.arange(256, dtype=np.uint8)
    batches.append(np.zeros((0, 28, 28), np.uint8))  # an empty batch: N = 0
    return batches


def _as_array(result, n):
    if result is None:
        raise CheckFailed(f"{NAME} returned None: end your function with a `return` statement.")
    if not isinstance(result, np.ndarray):
        kind = "a tf.Tensor" if hasattr(result, "numpy") else type(result).__name__
        raise CheckFailed(f"{NAME} returned {kind}; this exercise works in NumPy: return a numpy array.")
    if result.dtype != np.float32:
        advice = " (comparisons give booleans)" if result.dtype == bool else ""
        raise CheckFailed(f"{NAME} returned dtype {result.dtype}; expected float32{advice}: "
                          "convert with .astype(np.float32).")
    expected = (n, 28, 28, 1)
    if result.shape != expected:
        hint = ""
        if result.shape == (n, 28, 28):
            hint = " Add a channel axis at the end, (N, 28, 28) -> (N, 28, 28, 1), e.g. with [..., None]."
        elif result.shape == (n, 1, 28, 28):
            hint = " The channel axis goes last (channels-last, as Keras expects): (N, 28, 28, 1)."
        raise CheckFailed(f"{NAME} returned shape {fmt_shape(result.shape)} for images of shape "
                          f"{fmt_shape((n, 28, 28))}; expected {fmt_shape(expected)}.{hint}")
    return result


def _judge(images, got):
    want = reference_binarize(images)
    if np.array_equal(got, want):
        return
    values = np.unique(got)
    if not np.all(np.isin(values, (0.0, 1.0))):
        if values.min() >= 0 and values.max() <= 1:
            raise CheckFailed(f"{NAME}: values must be exactly 0 or 1, yours include {values[~np.isin(values, (0, 1))][0]:.4g} "
                              "(grey levels): compare each scaled pixel with the threshold 1/2.")
        raise CheckFailed(f"{NAME}: values must be exactly 0 or 1, yours range from {values.min():g} to {values.max():g}.")
    pixels = images[..., None]
    if np.array_equal(got, (pixels > 0.5).astype(np.float32)):
        raise CheckFailed(f"{NAME}: you compared the raw pixels (0..255) with 0.5, so every pixel above 0 became 1: "
                          "scale the pixels to [0, 1] first (divide by 255).")
    if np.array_equal(got, 1.0 - want):
        raise CheckFailed(f"{NAME}: black and white are swapped: a pixel brighter than half (pixel/255 > 1/2) "
                          "must become 1, a darker one 0.")
    wrong = got != want
    values_wrong = np.unique(pixels[wrong])
    if set(values_wrong.tolist()) <= {127, 128}:
        raise CheckFailed(f"{NAME}: the threshold is slightly off: pixel 128 (128/255 = 0.502) must become 1 and "
                          "pixel 127 (127/255 = 0.498) must become 0. Use pixel/255 > 1/2.")
    p = int(values_wrong[0])
    raise CheckFailed(f"{NAME}: {int(wrong.sum())} of {wrong.size} pixels are wrong; e.g. a pixel of value {p} "
                      f"must become {float(p / 255 > 0.5):g}.")


@checked(NAME)
def check_binarize(binarize) -> None:
    """Checks the learner's ``binarize`` on batches of random digits; prints one line if correct."""
    __tracebackhide__ = True
    batches = _batches(np.random.default_rng(1))
    refuse(binarize, NAME, {"images": batches[1]})
    for images in batches:
        got = _as_array(call(binarize, NAME, {"images": images}), len(images))
        _judge(images, got)
    success(NAME, f"correct on {len(batches)} batches of random pixels, 127 and 128 included, and an empty batch")
