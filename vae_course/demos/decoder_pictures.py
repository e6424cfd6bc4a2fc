"""Pictures of the decoder as a distribution p(x|z): logits, mean, samples, and who explains whom (lesson 05).

The decoder outputs Bernoulli logits ℓ (B, 28, 28, 1); p(x|z) has mean π = sigmoid(ℓ) and binary
samples. :func:`plot_decoder_panels` shows the three for one image, :func:`plot_mean_and_samples`
one mean beside several samples, and :func:`plot_code_scores` the matrix log p(x_j | z_i) of every
image under every code, computed by :func:`code_image_scores`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.colors import Normalize, TwoSlopeNorm

from vae_course.distributions import bernoulli_log_likelihood
from vae_course.plotting import image_grid

__all__ = ["plot_decoder_panels", "plot_mean_and_samples", "code_image_scores", "plot_code_scores", "plot_gaussian_scale"]


def _one_image(image, name) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    if image.shape not in ((28, 28), (28, 28, 1)):
        raise ValueError(f"{name} must be one image of shape (28, 28, 1) or (28, 28), got {image.shape}; "
                         f"index the batch first, e.g. {name}[i].")
    return image.reshape(28, 28)  # (28, 28)


def plot_decoder_panels(x_logits, x_mean, x_sample, fig=None):
    """Three panels of one image of p(x|z): the logits ℓ, the mean sigmoid(ℓ), one sample (lesson 05).

    Args:
        x_logits: (28, 28, 1) or (28, 28), the decoder's logits of one image; shown on a diverging
            scale centred at 0 (red: pixel likely on, blue: likely off).
        x_mean: same shape, the Bernoulli mean π = sigmoid(ℓ), in [0, 1].
        x_sample: same shape, one binary sample x ~ p(x|z).
        fig: the Figure to draw into (three Axes are added); a new 8.2 x 2.9 inch figure when None.

    Returns:
        The Figure: three image Axes, each with a colorbar.

    Raises:
        ValueError: an argument is not one 28 x 28 image, or the logits are all on one side of 0.
    """
    logits, mean, sample = (_one_image(a, n) for a, n in ((x_logits, "x_logits"), (x_mean, "x_mean"),
                                                          (x_sample, "x_sample")))
    if not logits.min() < 0.0 < logits.max():
        raise ValueError(f"x_logits must have values on both sides of 0 for the diverging colour scale, got "
                         f"[{logits.min():.3g}, {logits.max():.3g}].")
    fig = plt.figure(figsize=(8.2, 2.9)) if fig is None else fig
    axes = fig.subplots(1, 3, gridspec_kw={"wspace": 0.55})
    norm = TwoSlopeNorm(vcenter=0.0, vmin=float(logits.min()), vmax=float(logits.max()))
    panels = [(logits, "RdBu_r", norm, r"logits $\ell$ (decoder output)"),
              (mean, "gray", Normalize(0, 1), r"mean $\pi=\mathrm{sigmoid}(\ell)$"),
              (sample, "gray", Normalize(0, 1), r"one sample $x\sim p(x\mid z)$")]
    for ax, (img, cmap, img_norm, title) in zip(axes, panels):
        im = ax.imshow(img, cmap=cmap, norm=img_norm)
        ax.set(title=title, xticks=[], yticks=[])
        lo, hi = img_norm.vmin, img_norm.vmax
        fig.colorbar(im, ax=ax, fraction=0.046, ticks=[lo, lo / 2, 0, hi / 2, hi] if lo < 0 else None, format="%.1f")
    return fig


def plot_mean_and_samples(x_mean, samples, ax=None):
    """One row: the Bernoulli mean of p(x|z) first, then the samples drawn for the same z (lesson 05).

    Args:
        x_mean: (28, 28, 1) or (1, 28, 28, 1), the mean π of one image.
        samples: (S, 28, 28, 1), binary samples of the same p(x|z).
        ax: the Axes to draw into; a new figure when None.

    Returns:
        The Figure (its Axes holds one tiled image of S + 1 digits).
    """
    x_mean = np.asarray(x_mean)
    mean = _one_image(x_mean[0] if x_mean.shape[:1] == (1,) and x_mean.ndim == 4 else x_mean, "x_mean")
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 4 or samples.shape[1:] != (28, 28, 1) or samples.shape[0] < 1:
        raise ValueError(f"samples must have shape (S, 28, 28, 1) with S >= 1, got {samples.shape}.")
    return image_grid(np.concatenate([mean[None, :, :, None], samples]), ncols=len(samples) + 1, ax=ax,
                      title=f"mean (first) and {len(samples)} samples of p(x|z), same z")


def code_image_scores(x, x_logits) -> np.ndarray:
    """log p(x_j | z_i) for every image j under every code i, in nats (lesson 05).

    Args:
        x: (N, 28, 28, 1) binary images.
        x_logits: (N, 28, 28, 1) the decoder's logits, row i decoded from code z_i.

    Returns:
        float32 array (N codes, N images): entry [i, j] = log p(x_j | z_i), a sum over the 784 pixels.
    """
    x, x_logits = tf.convert_to_tensor(x, tf.float32), tf.convert_to_tensor(x_logits, tf.float32)
    if x.shape.rank != 4 or x.shape != x_logits.shape:
        raise ValueError(f"x and x_logits must both have shape (N, 28, 28, 1), got {x.shape} and {x_logits.shape}.")
    n = x.shape[0]
    return np.stack([bernoulli_log_likelihood(x, tf.repeat(x_logits[k:k + 1], n, axis=0)).numpy()
                     for k in range(n)])  # (codes, images)


def plot_code_scores(scores, ax=None, vmin=-400.0, vmax=50.0):
    """The matrix log p(x_j | z_i) − log p(x_j | z_j): each image scored under every code (lesson 05).

    Args:
        scores: (N, N) from :func:`code_image_scores`; rows codes z_i, columns images x_j.
        ax: the Axes to draw into; a new 6.5 x 5.2 inch figure when None.
        vmin, vmax: the colour scale's ends in nats (values beyond are clipped); vmin < 0 < vmax.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given); its image holds the relative scores (0 on the diagonal), with a colorbar.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1] or not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be a square (codes, images) matrix of finite nats, got shape {scores.shape}.")
    if not vmin < 0.0 < vmax:
        raise ValueError(f"need vmin < 0 < vmax for the colour scale, got vmin={vmin}, vmax={vmax}.")
    relative = scores - np.diag(scores)[None, :]  # (codes, images); 0 on the diagonal
    fig, ax = plt.subplots(figsize=(6.5, 5.2)) if ax is None else (ax.figure, ax)
    im = ax.imshow(relative, cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=vmin, vmax=vmax))
    n = len(scores)
    ax.set(xticks=range(n), yticks=range(n), xlabel="image $x_j$ (digit j)",
           ylabel="code $z_i$ = encoder mean of digit i",
           title=rf"$\log p(x_j \mid z_i) - \log p(x_j \mid z_j)$ in nats (clipped at ${vmin:g}$)")
    fig.colorbar(im, ax=ax, label="nats relative to the image's own code")
    return ax.figure


def plot_gaussian_scale(sse, n_pixels=784, scales=None, marks=(1.0, 0.1), ax=None):
    """A Gaussian decoder's log p(x|z) against its fixed pixel scale s, for a summed squared error (lesson 05).

    log p(x|z) = −SSE / (2s²) − (n/2) log(2π s²), largest at s² = SSE / n.

    Args:
        sse: the summed squared error Σ_i (x_i − μ_i)², > 0.
        n_pixels: n, the number of pixels.
        scales: the values of s to draw (default: 200 from 0.03 to 3, log-spaced).
        marks: values of s to mark with a dot.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given). ``show()`` is never called.
    """
    if not sse > 0:
        raise ValueError(f"sse must be a positive summed squared error, got {sse!r}.")
    scales = np.geomspace(0.03, 3.0, 200) if scales is None else np.asarray(scales, np.float64)

    def loglik(s):
        return -sse / (2 * s**2) - n_pixels / 2 * np.log(2 * np.pi * s**2)

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6))
    ax.plot(scales, loglik(scales), color="#0072B2", linewidth=2, label="log p(x|z) as a function of s")
    best = np.sqrt(sse / n_pixels)
    ax.axvline(best, color="#D55E00", linestyle="--", label=f"best s = sqrt(SSE / {n_pixels}) = {best:.3f}")
    for s in marks:
        ax.scatter([s], [loglik(s)], color="k", zorder=3)
        ax.annotate(f"s = {s:g}: {loglik(s):.1f}", (s, loglik(s)), textcoords="offset points", xytext=(6, -12),
                    fontsize=9)
    ax.set_xscale("log")
    ax.set_ylim(max(loglik(scales).min(), loglik(best) - 3000), loglik(best) + 300)
    ax.set(xlabel="pixel scale s (log scale)", ylabel="log p(x|z) (nats)",
           title=f"Gaussian decoder, summed squared error {sse:.2f}")
    ax.legend(fontsize=9, loc="lower right")
    return ax.figure
