"""The diagonal Gaussian log-density of one code, split into its three terms per dimension (lesson 02).

log N(z; μ, diag σ²) = Σ_d [ −½ log 2π  −½ logvar_d  −½ (z_d − μ_d)² e^(−logvar_d) ]:
a constant, a normalizer (−log σ_d) and a squared distance in units of σ_d. The lesson draws the
terms as bars so that a learner sees the idea; writing the batched TensorFlow version is exercise 02.1.
These helpers work in float64 NumPy on ONE code (vectors of length D), not on a batch.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["TERMS", "log_density_terms", "plot_log_density_terms"]

TERMS = ("constant", "normalizer", "distance")


def _vector(value, name):
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a finite 1-D vector of length D (one code), got shape {array.shape}.")
    return array


def log_density_terms(z, mean, logvar) -> dict:
    """The three terms of each dimension's 1-D log-density (lesson 02).

    Args:
        z, mean, logvar: one code, its mean and its log-variances, array-likes of length D.

    Returns:
        ``{"constant", "normalizer", "distance"}`` -> float64 arrays (D,); their sum over the three
        terms is each dimension's log N(z_d; μ_d, σ_d²), and the sum over d is the log-density.

    Raises:
        ValueError: not three finite vectors of the same length.
    """
    z, mean, logvar = _vector(z, "z"), _vector(mean, "mean"), _vector(logvar, "logvar")
    if not z.shape == mean.shape == logvar.shape:
        raise ValueError(f"z, mean and logvar must have the same length D; got {z.shape}, {mean.shape}, "
                         f"{logvar.shape}.")
    return {"constant": np.full(z.shape, -0.5 * math.log(2 * math.pi)),
            "normalizer": -0.5 * logvar,
            "distance": -0.5 * (z - mean) ** 2 * np.exp(-logvar)}


def plot_log_density_terms(terms: dict, reference=None, ax=None):
    """Stacked bars of the three terms per dimension, and their sum as a black tick (lesson 02).

    Args:
        terms: the dict of :func:`log_density_terms`.
        reference: optional (D,) values to mark with a circle on each dimension (e.g. a 1-D
            Gaussian's log_prob from tfp), to show that the bars add up to them.
        ax: Axes to draw into; a new figure when None.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given). ``show()`` is never called.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    dims = np.arange(len(terms["constant"]))
    colors = {"constant": "#999999", "normalizer": "#0072B2", "distance": "#E69F00"}
    pos, neg = np.zeros(len(dims)), np.zeros(len(dims))
    for name in TERMS:
        values = np.asarray(terms[name], dtype=np.float64)
        bottom = np.where(values >= 0, pos, neg)
        ax.bar(dims, values, 0.6, bottom=bottom, color=colors[name], label=name)
        pos, neg = pos + np.maximum(values, 0), neg + np.minimum(values, 0)
    total = sum(np.asarray(terms[name], dtype=np.float64) for name in TERMS)
    ax.scatter(dims, total, marker="_", s=900, color="k", linewidths=2.5, zorder=3, label="sum of the terms")
    if reference is not None:
        ax.scatter(dims, np.asarray(reference, dtype=np.float64), s=50, facecolors="none", edgecolors="#CC3311",
                   linewidths=1.8, zorder=4, label="1-D log-density (tfp)")
    ax.axhline(0.0, color="k", linewidth=0.8)
    ax.set_xticks(dims, [f"d = {d}" for d in dims])
    ax.set_ylabel("nats")
    ax.set_title(f"log-density of one code, term by term: total {total.sum():.3f} nats")
    ax.legend(fontsize=9, loc="lower left")
    return ax.figure
