"""What a transposed convolution computes, by hand and in a picture (lesson 07).

Each input pixel x[i, j] stamps a copy of the kernel, scaled by x[i, j], into the output at
(i·s, j·s); where stamps overlap, they add:

    y[i·s + a, j·s + b] += x[i, j] · k[a, b].

This is the full ("valid") output, of size (n − 1)·s + k. For k ≥ s, Keras' ``padding="same"``
keeps n·s of its rows and columns: it drops ⌊(k − s)/2⌋ at the start and the rest at the end
(none at the start for the course's stride-2 layers, one for its last, stride-1 layer). One
channel in, one out; the layer does this for every pair of channels and sums over the input channels.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vae_course.validation import positive_int

__all__ = ["stamp", "transposed_conv2d", "plot_transposed_conv"]


def _check_2d(array, name):
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 2 or 0 in array.shape or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a finite 2-D array (H, W) with H, W >= 1, got shape {array.shape}.")
    return array


def stamp(x, kernel, stride, i, j):
    """The contribution of input pixel (i, j) alone: x[i, j]·kernel placed at (i·s, j·s) (lesson 07)."""
    x, kernel = _check_2d(x, "x"), _check_2d(kernel, "kernel")
    stride = positive_int(stride, "stride")
    if not (0 <= i < x.shape[0] and 0 <= j < x.shape[1]):
        raise ValueError(f"pixel ({i}, {j}) is outside x of shape {x.shape}.")
    out = np.zeros(((x.shape[0] - 1) * stride + kernel.shape[0], (x.shape[1] - 1) * stride + kernel.shape[1]))
    out[i * stride:i * stride + kernel.shape[0], j * stride:j * stride + kernel.shape[1]] = x[i, j] * kernel
    return out  # ((H-1)·s + kh, (W-1)·s + kw)


def transposed_conv2d(x, kernel, stride):
    """The full transposed convolution of one channel: the sum of every pixel's stamp (lesson 07).

    Args:
        x: (H, W) input. kernel: (kh, kw). stride: positive int s.

    Returns:
        float64 ((H − 1)·s + kh, (W − 1)·s + kw).
    """
    x = _check_2d(x, "x")
    return sum(stamp(x, kernel, stride, i, j) for i in range(x.shape[0]) for j in range(x.shape[1]))


def _draw_grid(ax, values, title, origin=(0, 0), size=None, edge="k"):
    values = np.asarray(values)
    ax.imshow(values, cmap="Blues", vmin=0, vmax=max(float(np.max(np.abs(values))), 1e-12) * 1.6)
    for (r, c), v in np.ndenumerate(values):
        if v != 0:
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=12)
    ax.set_xticks(np.arange(-0.5, values.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, values.shape[0]), minor=True)
    ax.grid(which="minor", color="0.6", lw=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if size is not None:
        r0, c0 = origin
        ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), size[1], size[0], fill=False, ec=edge, lw=2.5))
    ax.set_title(title, fontsize=12)


def plot_transposed_conv(x, kernel, stride, fig=None):
    """Input, kernel, one stamp per input pixel and their sum, side by side (lesson 07).

    Args:
        x: (H, W) input, small (e.g. 2 x 2). kernel: (kh, kw). stride: positive int.
        fig: an empty Figure to draw into; a new one when None.

    Returns:
        The Figure, with 2 + H·W + 1 Axes in reading order over rows of four: x, kernel, the stamps (each
        framed where it lands), the output. Rows of four keep the text at least 9 pt when the figure is shown
        at a page's text width (672 px).
    """
    x, kernel = _check_2d(x, "x"), _check_2d(kernel, "kernel")
    stamps = [((i, j), stamp(x, kernel, stride, i, j)) for i in range(x.shape[0]) for j in range(x.shape[1])]
    n = 3 + len(stamps)
    cols = min(n, 4)
    rows = -(-n // cols)
    fig = plt.figure(figsize=(2.2 * cols, 2.35 * rows + 0.5)) if fig is None else fig
    grid = fig.subplots(rows, cols, squeeze=False).ravel()
    for extra in grid[n:]:
        fig.delaxes(extra)
    axes = grid[:n]
    _draw_grid(axes[0], x, "input x")
    _draw_grid(axes[1], kernel, "kernel k")
    for ax, ((i, j), s) in zip(axes[2:], stamps):
        _draw_grid(ax, s, f"x[{i},{j}]·k at ({i * stride},{j * stride})", origin=(i * stride, j * stride),
                   size=kernel.shape, edge="tab:red")
    _draw_grid(axes[-1], transposed_conv2d(x, kernel, stride), "sum = output")
    fig.suptitle(f"Transposed convolution, stride {stride}:\neach input pixel stamps a scaled kernel; overlaps add",
                 fontsize=13)
    return fig
