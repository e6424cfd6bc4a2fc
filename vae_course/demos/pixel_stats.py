"""What binarization throws away: pixel-value statistics of MNIST (lesson 01).

``pixel_value_counts`` and ``plot_pixel_histogram`` show how the 256 grey levels are used,
``grey_fraction`` measures the share of pixels that are neither background nor full ink, and
``binarization_entropy`` is the randomness that dynamic binarization adds to each image: the
entropy, in nats, of the 784 independent Bernoulli(images / 255) pixels.
"""
from __future__ import annotations

import numpy as np

__all__ = ["pixel_value_counts", "grey_fraction", "binarization_entropy", "plot_pixel_histogram"]


def _as_uint8_images(images, name="images") -> np.ndarray:
    """Validates raw MNIST digits: a uint8 numpy array of shape (N, 28, 28) or (N, 28, 28, 1)."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a numpy array of raw uint8 digits (N, 28, 28), "
                        f"got {type(images).__name__}; pass the arrays load_mnist() returns.")
    if images.dtype != np.uint8:
        raise TypeError(f"{name} must be raw uint8 pixels 0..255 (N, 28, 28), got dtype {images.dtype}; "
                        "these statistics are defined on the raw digits, before scale() or binarize().")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, 28, 28) or (N, 28, 28, 1) with N >= 1, got {images.shape}.")
    return images


def pixel_value_counts(images) -> np.ndarray:
    """How many pixels take each value 0..255 (lesson 01).

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1).

    Returns:
        int64 array (256,); entry v counts the pixels equal to v, the entries sum to N·784.
    """
    return np.bincount(_as_uint8_images(images).ravel(), minlength=256).astype(np.int64)


def grey_fraction(images, low=0.1, high=0.9) -> float:
    """Fraction of pixels that are clearly grey: ``low < images / 255 < high`` (lesson 01).

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1).
        low, high: bounds on the scaled value, 0 <= low < high <= 1.

    Returns:
        A float in [0, 1].
    """
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}.")
    counts = pixel_value_counts(images)  # (256,)
    scaled = np.arange(256) / 255.0
    return float(counts[(scaled > low) & (scaled < high)].sum() / counts.sum())


def binarization_entropy(images) -> np.ndarray:
    """Entropy of one dynamic binarization of each image, in nats (lesson 01).

    H = Σ_pixels [ −p·log p − (1 − p)·log(1 − p) ],  p = images / 255  (0·log 0 = 0).

    Every model's expected negative log-likelihood of a dynamically binarized image is at
    least this number (Gibbs' inequality); for a statically binarized image the noise is 0.

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1).

    Returns:
        float64 array (N,).
    """
    p = _as_uint8_images(images).astype(np.float64) / 255.0  # (N, 28, 28)
    q = 1.0 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0) - np.where(q > 0, q * np.log(q), 0.0)
    return h.sum(axis=(1, 2))


def plot_pixel_histogram(images, ax=None, low=0.1, high=0.9, threshold=0.5):
    """Bar chart of the 256 pixel values on a log scale, grey band and threshold marked (lesson 01).

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1).
        ax: the Axes to draw into; a new figure when None.
        low, high: the band counted as grey by :func:`grey_fraction`, shaded.
        threshold: the binarization threshold on images / 255, drawn as a dashed line.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given).
    """
    import matplotlib.pyplot as plt

    counts = pixel_value_counts(images)  # (256,)
    frac = grey_fraction(images, low, high)
    ax = plt.subplots(figsize=(7, 3.2))[1] if ax is None else ax
    ax.axvspan(low * 255, high * 255, color="tab:orange", alpha=0.2, zorder=0,
               label=f"grey: {low:g} < v/255 < {high:g} ({100 * frac:.1f}% of pixels)")
    ax.bar(np.arange(256), np.maximum(counts, 0.5), width=1.0, color="0.25", zorder=1)
    ax.set_yscale("log")
    ax.set_ylim(0.5, counts.max() * 20)
    ax.axvline(threshold * 255, color="tab:red", ls="--", zorder=2, label=f"threshold v/255 = {threshold:g}")
    ax.annotate(f"v = 0: {100 * counts[0] / counts.sum():.1f}%", (0, counts[0]), xytext=(12, counts[0] * 2),
                fontsize=9, arrowprops={"arrowstyle": "-", "color": "0.4"})
    ax.set_xlim(-1, 256)
    ax.set_xlabel("pixel value v (uint8)")
    ax.set_ylabel("number of pixels (log scale)")
    ax.legend(loc="upper center", fontsize=9)
    return ax.figure
