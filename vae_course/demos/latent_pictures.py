"""Lesson 09's pictures of the latent space: decoded paths between two codes, reconstructions per latent size.

* :func:`plot_latent_paths`: the 2-D path drawn over the test codes, and each path's decoded
  images in a row (paths from :mod:`vae_course.demos.latent_paths`).
* :func:`plot_reconstructions_by_model`: the input digits, then one row of Bernoulli means
  sigmoid(decode(mean of q(z|x))) per model.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vae_course.plotting import image_grid, plot_latent_scatter

__all__ = ["plot_latent_paths", "plot_reconstructions_by_model"]


def plot_latent_paths(models, paths, mean2, labels, fig=None, max_points=2000):
    """Top: the 2-D test codes and the first 2-D path; below: one row of decoded images per path (lesson 09).

    Args:
        models: mapping latent_dim D -> a CVAE (``decode(z, apply_sigmoid=True)``).
        paths: mapping of a row title (e.g. "D = 32, spherical") to ``(D, z)``, z (n, D) the path's points
            (e.g. from :func:`vae_course.demos.latent_paths.linear_path`); D must be a key of ``models``.
        mean2: (N, 2) encoder means of test digits under the D = 2 model, the scatter's points.
        labels: (N,) their digit labels.
        fig: the Figure to draw into; a new one 7.4 inches wide when None (so that its text is at least 9 pt
            when shown at a page's text width, 672 px).
        max_points: at most this many scatter points (a fixed subsample, seed 0).

    Returns:
        The Figure: the scatter Axes first, then one image Axes per path.

    Raises:
        ValueError: no path has D = 2, a path's D has no model, or z is not (n, D).
    """
    flat = {}
    for name, (latent_dim, z) in paths.items():
        z = np.asarray(z, dtype=np.float32)
        if latent_dim not in models or z.ndim != 2 or z.shape[1] != latent_dim:
            raise ValueError(f"paths[{name!r}] must be (D, z) with D one of the models {sorted(models)} and z of "
                             f"shape (n, D); got D = {latent_dim} and z of shape {z.shape}.")
        flat[name] = (latent_dim, z)
    line = next((z for latent_dim, z in flat.values() if latent_dim == 2), None)
    if line is None:
        raise ValueError(f"one path must be in the 2-D latent space (D = 2) to draw over the codes; got {list(paths)}.")
    row, scatter = 1.15, 3.6  # inches: one row of decoded images (with its title), the scatter's height
    total = scatter + 0.5 + row * len(flat)
    fig = plt.figure(figsize=(7.4, total)) if fig is None else fig
    ax_path = fig.add_axes([0.22, (row * len(flat) + 0.45) / total, 0.56, scatter / total])
    plot_latent_scatter(mean2, labels, ax=ax_path, max_points=max_points)
    ax_path.get_legend().remove()
    ax_path.plot(line[:, 0], line[:, 1], "k.-", lw=1.5)
    ax_path.set_title("the D = 2 path over the test codes")
    for k, (name, (latent_dim, z)) in enumerate(flat.items()):
        ax = fig.add_axes([0.0, row * (len(flat) - 1 - k) / total, 1.0, (row - 0.3) / total])
        image_grid(models[latent_dim].decode(z, apply_sigmoid=True).numpy(), ncols=len(z), ax=ax, title=name)
    return fig


def plot_reconstructions_by_model(x, models, fig=None):
    """Rows: the inputs x, then sigmoid(decode(mean)) of each model, mean the encoder's mean of q(z|x) (lesson 09).

    Args:
        x: (N, 28, 28, 1) binary digits.
        models: mapping latent_dim D -> a CVAE; each row is labelled "D = <D>".
        fig: the Figure to draw into; a new 6.6 x 2.4 inch figure (for three rows) when None.

    Returns:
        The Figure, one image Axes per row.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) == 0:
        raise ValueError(f"x must have shape (N, 28, 28, 1) with N >= 1, got {x.shape}.")
    if not models:
        raise ValueError("models is empty; pass e.g. {2: load_pretrained(2), 32: load_pretrained(32)}.")
    fig = plt.figure(figsize=(6.6, round(0.8 * (len(models) + 1), 2))) if fig is None else fig
    axes = np.atleast_1d(fig.subplots(len(models) + 1, 1))
    image_grid(x, ncols=len(x), ax=axes[0])
    axes[0].set_ylabel("input x", rotation=0, ha="right", va="center")
    for ax, (latent_dim, net) in zip(axes[1:], models.items()):
        image_grid(net.decode(net.encode(x)[0], apply_sigmoid=True).numpy(), ncols=len(x), ax=ax)
        ax.set_ylabel(f"D = {latent_dim}", rotation=0, ha="right", va="center")
    return fig
