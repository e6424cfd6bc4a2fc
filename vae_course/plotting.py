"""Figures of the course: digit grids, reconstructions, the latent space, training curves.

Lesson 05 introduces :func:`plot_reconstruction_rows`, lessons 08 and 09 the rest. One convention:
every helper takes ``ax=None`` (or ``fig=None`` when it draws several Axes), creates a figure only
when none is given, returns the Figure it drew into (``ax.figure`` when ``ax`` is given) and never
calls ``show()``. Images are shown as Bernoulli means
(sigmoid of the decoder's logits) unless a function says otherwise.
:func:`grid_array`, :func:`write_gif` and :func:`save_figure` live in ``vae_course.image_files``
and are re-exported here.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from matplotlib import patheffects
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from vae_course.contracts import IMAGE_SHAPE
from vae_course.distributions import sample_eps
from vae_course.models import reconstruction_distribution
from vae_course.image_files import grid_array, save_figure, to_uint8, write_gif
from vae_course.validation import positive_int

__all__ = ["image_grid", "grid_array", "plot_reconstruction_rows", "plot_reconstructions", "plot_prior_samples", "latent_manifold_array",
           "plot_latent_manifold", "plot_latent_scatter", "plot_training_curves", "write_gif", "save_figure"]

DIGIT = IMAGE_SHAPE[0]  # MNIST images are 28 x 28


def _new_ax(ax, figsize):
    return plt.subplots(figsize=figsize)[1] if ax is None else ax


def image_grid(images, ncols=10, ax=None, title=None, cmap="gray"):
    """Draws ``images`` as one tiled panel without ticks (lesson 08); see :func:`grid_array`.

    Args:
        images: (N, 28, 28, 1) or (N, 28, 28); floats in [0, 1] (probabilities or binary) or uint8.
        ncols: columns of the grid.
        ax: the Axes to draw into; a new figure when None.
        title: optional title.
        cmap: matplotlib colormap; "gray" shows 0 as black, 1 as white.

    Returns:
        The Figure (the Axes holds one image).
    """
    grid = grid_array(images, ncols)  # (H, W) uint8
    ax = _new_ax(ax, (min(grid.shape[1] / 40, 12), min(grid.shape[0] / 40, 12)))
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax.figure


def plot_reconstruction_rows(x, x_mean, x_sample, n=8, fig=None):
    """Three rows of the first ``n`` images: input, Bernoulli mean, one Bernoulli sample (lesson 05).

    Args:
        x: the inputs, (B, 28, 28, 1) binary.
        x_mean: sigmoid(x_logits) of their reconstructions, same shape, in [0, 1].
        x_sample: one draw of p(x|z), same shape, binary.
        n: how many images per row (at most B).
        fig: an empty Figure to draw into; a new one when None.

    Returns:
        The Figure, with three Axes labelled on the left.
    """
    n = positive_int(n, "n")
    named = {"x": x, "x_mean": x_mean, "x_sample": x_sample}
    arrays = [to_uint8(v, k) for k, v in named.items()]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim not in (3, 4) or len(arrays[0]) == 0:
        raise ValueError("x, x_mean and x_sample must have the same shape (B, 28, 28, 1) with B >= 1, got "
                         f"{[a.shape for a in arrays]}.")
    n = min(n, len(arrays[0]))
    fig = plt.figure(figsize=(0.6 * n + 1.0, 2.5)) if fig is None else fig
    axes = fig.subplots(3, 1)
    labels = ("input\nx", "mean\nsigmoid(x_logits)", "sample\nx ~ p(x|z)")
    for ax, label, a in zip(axes, labels, arrays):
        image_grid(a[:n], ncols=n, ax=ax)
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
    return fig


def plot_reconstructions(model, x, n=8, eps=None, seed=0, fig=None):
    """:func:`plot_reconstruction_rows` of ``model`` on ``x``: input, Bernoulli mean, one sample (lessons 05, 08).

    The decoder sees z = mean (or mean + σ ⊙ ``eps``) of q(z|x), as in
    :func:`vae_course.models.reconstruction_distribution`; the sample row is one draw of that
    p(x|z) with the stateless ``seed``.

    Args:
        model: a CVAE. x: (B, 28, 28, 1) binary. n: images per row (at most B).
        eps: None, or (B, D) standard-normal noise for a sampled z.
        seed: int or int pair for the sample of p(x|z) (an int s means the pair (s, 0)).
        fig: an empty Figure to draw into; a new one when None.

    Returns:
        The Figure, with three Axes labelled on the left.
    """
    px_z = reconstruction_distribution(model, x, eps)  # p(x|z), event shape (28, 28, 1)
    pair = (seed, 0) if isinstance(seed, int) else tuple(seed)  # a pair: stateless, the same draw every time
    return plot_reconstruction_rows(x, px_z.mean(), px_z.sample(seed=pair), n=n, fig=fig)


def plot_prior_samples(model, n=16, seed=0, ax=None):
    """Decodes z ~ N(0, I) and shows the Bernoulli means sigmoid(decode(z)) (lesson 08).

    z = ``sample_eps((n, model.latent_dim), seed)``, so the same seed shows the same codes.
    """
    n = positive_int(n, "n")
    z = sample_eps((n, model.latent_dim), seed)  # (n, D)
    x_mean = model.decode(z, apply_sigmoid=True).numpy()  # (n, 28, 28, 1)
    return image_grid(x_mean, ncols=math.ceil(math.sqrt(n)), ax=ax,
                      title="prior samples: Bernoulli means, z ~ N(0, I)")  # the Figure


def _manifold_quantiles(n):
    p = np.linspace(0.05, 0.95, n).astype(np.float32)  # (n,) probabilities
    return tfp.distributions.Normal(0.0, 1.0).quantile(p).numpy()  # (n,) increasing z values


def _check_latent2(model, what):
    if model.latent_dim != 2:
        raise ValueError(f"{what} needs a model with latent_dim == 2, got latent_dim={model.latent_dim}; "
                         "for larger latent spaces use plot_prior_samples.")


def latent_manifold_array(model, n=20):
    """The decoded latent grid as one image, for latent_dim == 2 (lesson 09).

    With q the Normal(0, 1) quantiles of ``linspace(0.05, 0.95, n)`` (increasing), cell (i, j),
    i.e. pixels ``[28·i : 28·(i+1), 28·j : 28·(j+1)]``, holds the Bernoulli mean
    sigmoid(decode(z)) at z = (z1, z2) = (q[j], q[n-1-i]): z1 grows to the right and z2 grows
    upward, as in a scatter plot of the codes (row 0 is the top). The TF tutorial instead puts
    z = (q[j], q[i]) in cell (i, j), so its z2 grows downward.

    Returns:
        float32 array (28·n, 28·n) in [0, 1], no separators.
    """
    _check_latent2(model, "latent_manifold_array")
    n = positive_int(n, "n")
    q = _manifold_quantiles(n)
    z1, z2 = np.meshgrid(q, q[::-1])  # (n, n) each: z1 varies along columns, z2 falls down the rows
    z = np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)  # (n·n, 2), row-major over cells
    x_mean = model.decode(tf.constant(z), apply_sigmoid=True).numpy()[..., 0]  # (n·n, 28, 28)
    return x_mean.reshape(n, n, DIGIT, DIGIT).transpose(0, 2, 1, 3).reshape(n * DIGIT, n * DIGIT)


def plot_latent_manifold(model, n=20, ax=None):
    """Shows :func:`latent_manifold_array`: z1 on the x-axis, z2 on the y-axis growing upward (lesson 09).

    The cells sit at Normal quantiles, which are not evenly spaced in z, so the ticks mark cell
    centres and are labelled with their z values; orientation matches :func:`plot_latent_scatter`.
    """
    image = latent_manifold_array(model, n)  # (28n, 28n), validates model and n
    q = _manifold_quantiles(n)
    ax = _new_ax(ax, (6, 6))
    ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ticks = np.unique(np.linspace(0, n - 1, min(n, 5)).round().astype(int))  # cell indices
    centres = ticks * DIGIT + (DIGIT - 1) / 2
    ax.set_xticks(centres, [f"{q[j]:.2f}" for j in ticks])
    ax.set_yticks(centres, [f"{q[n - 1 - i]:.2f}" for i in ticks])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title("decoded latent grid (Bernoulli means)")
    return ax.figure


# Paul Tol's "muted" qualitative palette (nine colours colour-blind readers can tell apart) and black,
# one per digit 0..9; the scatter also writes each digit at the median of its points.
DIGIT_COLORS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
                "#DDCC77", "#CC6677", "#882255", "#AA4499", "#000000")


def plot_latent_scatter(mean, labels, ax=None, max_points=None, seed=0):
    """Scatter of 2-D encoder means coloured by digit, with a 0-9 legend and labels (lesson 09).

    The colours are :data:`DIGIT_COLORS`, a palette colour-blind readers can tell apart; each
    digit is also written, outlined, at the median of its points, so the plot reads without colour.
    Points are drawn in a random order (from ``seed``) so that no digit hides the others;
    ``max_points`` keeps a random subset of that size.

    Args:
        mean: (N, 2) encoder means, e.g. ``model.encode(x)[0]``.
        labels: (N,) integer digit labels in 0..9.
    """
    mean = np.asarray(mean.numpy() if hasattr(mean, "numpy") else mean)
    labels = np.asarray(labels.numpy() if hasattr(labels, "numpy") else labels)
    if mean.ndim != 2 or mean.shape[1] != 2 or mean.shape[0] == 0:
        raise ValueError(f"mean must have shape (N, 2) (a 2-D latent space), got {mean.shape}; for latent_dim > 2 "
                         "plot two chosen dimensions, e.g. mean[:, :2], knowing it is a projection.")
    if not np.issubdtype(mean.dtype, np.floating) or not np.all(np.isfinite(mean)):
        raise ValueError(f"mean must hold finite floats, got dtype {mean.dtype}.")
    if labels.shape != mean.shape[:1] or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers of shape ({mean.shape[0]},), one per row of mean, got dtype "
                         f"{labels.dtype} and shape {labels.shape}.")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"labels must be digits 0..9, got values in [{labels.min()}, {labels.max()}].")
    order = np.random.default_rng(seed).permutation(len(mean))
    if max_points is not None:
        order = order[:positive_int(max_points, "max_points")]
    ax = _new_ax(ax, (6.5, 5.5))
    cmap = ListedColormap(DIGIT_COLORS, name="digits")
    ax.scatter(mean[order, 0], mean[order, 1], c=labels[order], cmap=cmap, vmin=-0.5, vmax=9.5, s=4, alpha=0.7,
               linewidths=0)
    for d in np.unique(labels[order]):
        cx, cy = np.median(mean[order][labels[order] == d], axis=0)
        ax.text(cx, cy, str(d), ha="center", va="center", fontsize=13, fontweight="bold", color=DIGIT_COLORS[d],
                path_effects=[patheffects.withStroke(linewidth=3, foreground="white")], gid="digit_label")
    handles = [Line2D([], [], ls="", marker="o", color=cmap(d), label=str(d)) for d in range(10)]
    ax.legend(handles=handles, title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_xlabel("$z_1$ (encoder mean)")
    ax.set_ylabel("$z_2$ (encoder mean)")
    return ax.figure


def plot_training_curves(metrics, ax=None):
    """ELBO per epoch, in nats per image (higher is better): −train_loss and test_elbo (lesson 08).

    Args:
        metrics: list of dicts, one per epoch, with keys "epoch", "train_loss" (the epoch's mean
            training loss, a negative-ELBO estimate) and "test_elbo" (None when the test set was not
            evaluated that epoch); other keys such as "seconds" are ignored.
    """
    if isinstance(metrics, dict) or not metrics or not all(isinstance(m, dict) for m in metrics):
        raise ValueError("metrics must be a non-empty list of dicts, one per epoch, e.g. "
                         "[{'epoch': 1, 'train_loss': 160.2, 'test_elbo': -155.1, 'seconds': 30.0}, ...].")
    for i, m in enumerate(metrics):
        missing = [k for k in ("epoch", "train_loss", "test_elbo") if k not in m]
        if missing:
            raise ValueError(f"metrics[{i}] lacks the keys {missing}; each entry needs epoch, train_loss, test_elbo.")
    epoch = np.array([m["epoch"] for m in metrics], dtype=float)
    train = -np.array([m["train_loss"] for m in metrics], dtype=float)
    test = np.array([np.nan if m["test_elbo"] is None else m["test_elbo"] for m in metrics], dtype=float)
    has_test = ~np.isnan(test)
    ax = _new_ax(ax, (6, 4))
    ax.plot(epoch, train, marker="o", label="train: −loss")
    ax.plot(epoch[has_test], test[has_test], marker="s", label="test ELBO")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("ELBO (nats per image)")
    ax.legend()
    return ax.figure
