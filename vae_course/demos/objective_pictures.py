"""Pictures of lesson 00: the toy posterior next to a Gaussian q, the two KL fits, decoded prior samples.

The densities come from :mod:`vae_course.demos.toy_posterior`; the decoded samples from any models
with ``decode(z, apply_sigmoid=True)`` and ``latent_dim`` (the shipped VAE, the shipped autoencoder).
Colours are from the Okabe–Ito palette, which colour-blind readers can tell apart.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vae_course.demos.toy_posterior import gaussian_on_grid
from vae_course.distributions import sample_eps

__all__ = ["plot_toy_posterior", "plot_kl_fits", "plot_prior_decodes", "plot_jensen_gap"]

_BLACK, _ORANGE, _BLUE, _GREEN, _VERMILION = "#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00"


def _ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_toy_posterior(post: dict, q=None, x=None, ax=None):
    """Prior, likelihood (scaled to the posterior's height), the grid posterior and a Gaussian q.

    Args:
        post: the dict of :func:`~vae_course.demos.toy_posterior.grid_posterior`.
        q: optional (mean, std) of a Gaussian to draw dashed.
        x: the observation, for the title.
        ax: the Axes to draw into; a new figure when None.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given). ``show()`` is never called.
    """
    ax = _ax(ax, (6.4, 3.6))
    z = post["grid"]
    scale = post["posterior"].max() / post["likelihood"].max()
    ax.plot(z, post["prior"], color=_BLUE, label="prior p(z)")
    ax.plot(z, post["likelihood"] * scale, color=_ORANGE, linestyle=":", linewidth=2,
            label="likelihood p(x|z), rescaled")
    ax.fill_between(z, post["posterior"], color=_BLACK, alpha=0.15)
    ax.plot(z, post["posterior"], color=_BLACK, linewidth=2, label="posterior p(z|x), on the grid")
    if q is not None:
        ax.plot(z, gaussian_on_grid(z, *q), color=_VERMILION, linestyle="--", linewidth=2,
                label=f"Gaussian q: μ = {q[0]:.2f}, σ = {q[1]:.2f}")
    ax.set(xlabel="z", ylabel="density", title="the toy model's posterior" + (f" at x = {x}" if x is not None else ""))
    ax.legend(fontsize=9, loc="upper left")
    return ax.figure


def plot_kl_fits(grid, target, reverse, forward, ax=None):
    """A bimodal target with its best Gaussian under KL(q‖p) (mode-seeking) and KL(p‖q) (mass-covering).

    Returns the Figure (``ax.figure`` when ``ax`` is given).
    """
    ax = _ax(ax, (6.4, 3.6))
    grid = np.asarray(grid, np.float64)
    ax.fill_between(grid, target, color=_BLACK, alpha=0.15)
    ax.plot(grid, target, color=_BLACK, linewidth=2, label="target p (two modes)")
    ax.plot(grid, gaussian_on_grid(grid, *reverse), color=_VERMILION, linestyle="--", linewidth=2,
            label="argmin KL(q‖p): mode-seeking")
    ax.plot(grid, gaussian_on_grid(grid, *forward), color=_BLUE, linestyle="-.", linewidth=2,
            label="argmin KL(p‖q): mass-covering")
    ax.set(xlabel="z", ylabel="density", title="the best Gaussian depends on the direction of the KL")
    ax.legend(fontsize=9, loc="upper left")
    return ax.figure


def plot_prior_decodes(models: dict, n=8, seed=0, fig=None):
    """One row per model: the Bernoulli means decoded from the same n codes z ~ N(0, I).

    Args:
        models: label -> model; all must have the same ``latent_dim``.
        n: codes per row. seed: the codes' seed (``sample_eps``).

    Returns:
        The Figure. ``show()`` is never called.
    """
    dims = {m.latent_dim for m in models.values()}
    if len(dims) != 1:
        raise ValueError(f"the models must share one latent_dim to decode the same codes; got {sorted(dims)}.")
    z = sample_eps((n, dims.pop()), seed=seed)  # (n, D)
    fig = fig or plt.figure(figsize=(0.85 * n, 0.95 * len(models) + 0.3))
    axes = np.asarray(fig.subplots(len(models), n, squeeze=False))
    for row, (label, model) in zip(axes, models.items()):
        images = model.decode(z, apply_sigmoid=True).numpy()[..., 0]  # (n, 28, 28)
        for ax, image in zip(row, images):
            ax.imshow(image, cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10)
    fig.suptitle(f"decoded from the same {n} codes z ~ N(0, I)", fontsize=11)
    return fig


def plot_jensen_gap(w, ax=None):
    """Jensen's inequality for the concave log, on equally likely positive values ``w`` (lessons 00, 06).

    Draws log w, the points (w_i, log w_i), their average (E[w], E[log w]) on a chord, and
    (E[w], log E[w]) on the curve above it; the vertical distance is the gap log E[w] − E[log w] ≥ 0.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given). ``show()`` is never called.
    """
    w = np.asarray(w, np.float64)
    if w.ndim != 1 or w.size < 2 or not np.all(w > 0):
        raise ValueError(f"w must be a 1-D array of at least two positive numbers, got {w!r}.")
    ax = _ax(ax, (5.6, 3.8))
    grid = np.linspace(w.min() * 0.8, w.max() * 1.1, 300)
    mean_w, mean_log = w.mean(), np.log(w).mean()
    ax.plot(grid, np.log(grid), color=_BLACK, linewidth=2, label="log w")
    ax.scatter(w, np.log(w), color=_BLUE, zorder=3, label="the values: (w, log w)")
    if w.size == 2:
        ax.plot(w, np.log(w), color=_BLUE, linestyle=":", linewidth=1.5)
    ax.scatter([mean_w], [mean_log], color=_VERMILION, marker="s", zorder=4, label="(E[w], E[log w])")
    ax.scatter([mean_w], [np.log(mean_w)], color=_GREEN, marker="D", zorder=4, label="(E[w], log E[w])")
    ax.annotate("", xy=(mean_w, np.log(mean_w)), xytext=(mean_w, mean_log),
                arrowprops={"arrowstyle": "<->", "color": _VERMILION, "linewidth": 1.5})
    ax.text(mean_w * 1.03, (mean_log + np.log(mean_w)) / 2, f"gap {np.log(mean_w) - mean_log:.3f}",
            color=_VERMILION, va="center")
    ax.set(xlabel="w", ylabel="log w", title="Jensen: log E[w] ≥ E[log w]")
    ax.legend(fontsize=9, loc="lower right")
    return ax.figure
