"""Lesson 01's pictures of binarization: one digit binarized several ways, and dynamic binarization per pass.

* :func:`plot_binarizations`: the grey digit, its threshold at 0.5, and dynamic binarizations
  (each pixel on with probability its grey level) for several seeds.
* :func:`plot_dynamic_passes`: the same images as binarized on different passes over a dataset
  built with ``make_dataset(..., dynamic=True)``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vae_course.plotting import image_grid
from vae_course.preprocessing import binarize, dynamic_binarize, scale

__all__ = ["plot_binarizations", "plot_dynamic_passes", "difference_overlay"]

# Okabe-Ito colours, which colour-blind readers can tell apart: ink on one pass only.
ONLY_FIRST, ONLY_SECOND, BOTH = (0.0, 0.447, 0.698), (0.902, 0.624, 0.0), (0.0, 0.0, 0.0)


def plot_binarizations(digit, seeds=(0, 1, 2), fig=None):
    """One row of panels: grey, threshold 0.5, then ``dynamic_binarize`` with each seed (lesson 01).

    Args:
        digit: one MNIST digit, uint8 (1, 28, 28) or (28, 28).
        seeds: the seeds of the dynamic binarizations, one panel each.
        fig: the Figure to draw into; a new figure 11 inches wide (for five panels) when None.

    Returns:
        The Figure, with 2 + len(seeds) image Axes titled "grey", "threshold 0.5", "dynamic, seed <s>".
    """
    digit = np.asarray(digit)
    if digit.dtype != np.uint8 or digit.shape not in ((28, 28), (1, 28, 28)):
        raise ValueError(f"digit must be one uint8 MNIST image of shape (1, 28, 28) or (28, 28), got "
                         f"{digit.dtype} {digit.shape}; pass e.g. test_images[:1].")
    digit = digit.reshape(1, 28, 28)  # (1, 28, 28)
    panels = [(scale(digit), "grey"), (binarize(digit), "threshold 0.5")]
    panels += [(dynamic_binarize(digit, seed=s), f"dynamic, seed {s}") for s in seeds]
    fig = plt.figure(figsize=(round(2.2 * len(panels), 2), 2.6)) if fig is None else fig
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (img, title) in zip(axes, panels):
        image_grid(img, ax=ax, title=title)
    return fig


def difference_overlay(first, second):
    """RGB images marking where two binary batches differ (lesson 01).

    Args:
        first, second: binary batches (N, 28, 28, 1), the same images on two passes.

    Returns:
        float (N, 28, 28, 3): white where both are 0, black where both are 1, blue where only the
        first pass has ink, orange where only the second has.
    """
    a, b = np.asarray(first)[..., 0] > 0.5, np.asarray(second)[..., 0] > 0.5  # (N, 28, 28)
    rgb = np.ones(a.shape + (3,))
    for mask, colour in ((a & b, BOTH), (a & ~b, ONLY_FIRST), (~a & b, ONLY_SECOND)):
        rgb[mask] = colour
    return rgb


def plot_dynamic_passes(passes, fig=None, difference=False):
    """One row per pass: the batch as binarized on that pass, titled "pass 1", "pass 2", ... (lesson 01).

    Args:
        passes: a sequence of batches (N, 28, 28, 1) in {0, 1}, the same images on successive passes.
        fig: the Figure to draw into; a new 8-inch-wide figure, 1.2 inches per row, when None.
        difference: with two passes, add a row that overlays them (:func:`difference_overlay`):
            black ink on both passes, blue on pass 1 only, orange on pass 2 only.

    Returns:
        The Figure, with one image Axes per pass (and one for the overlay).
    """
    passes = [np.asarray(p) for p in passes]
    if not passes or any(p.shape != passes[0].shape or p.ndim != 4 or p.shape[1:] != (28, 28, 1) for p in passes):
        raise ValueError(f"passes must be batches of one shape (N, 28, 28, 1), got "
                         f"{[p.shape for p in passes]}.")
    if difference and len(passes) != 2:
        raise ValueError(f"difference=True overlays exactly two passes, got {len(passes)}.")
    rows = len(passes) + bool(difference)
    fig = plt.figure(figsize=(8, round(1.2 * rows, 2))) if fig is None else fig
    axes = np.atleast_1d(fig.subplots(rows, 1))
    for k, (ax, batch) in enumerate(zip(axes, passes), start=1):
        image_grid(batch, ncols=len(batch), ax=ax, title=f"pass {k}")
    if difference:
        rgb = difference_overlay(*passes)  # (N, 28, 28, 3)
        n = len(rgb)
        strip = np.ones((28, 29 * n - 1, 3))
        for k in range(n):
            strip[:, 29 * k:29 * k + 28] = rgb[k]
        ax = axes[-1]
        ax.imshow(strip, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        changed = int(np.sum((passes[0] > 0.5) != (passes[1] > 0.5)))
        ax.set_title(f"difference: blue on pass 1 only, orange on pass 2 only ({changed} pixels)")
    return fig
