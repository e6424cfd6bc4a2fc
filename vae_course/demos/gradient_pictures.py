"""Pictures of lesson 04: why fixed noise gives a path, and how the gradient estimators spread (lesson 04).

* :func:`plot_fixed_vs_fresh_noise`: z = μ + σε with ε held fixed is a smooth function of μ;
  a fresh draw at every μ is not.
* :func:`plot_gradient_histograms`: the per-sample gradient estimates of each estimator.
* :func:`estimator_variances` and :func:`plot_variance_vs_samples`: the variance of an estimate
  that averages N samples, against the closed form (per-sample variance) / N.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vae_course.demos.gradient_estimators import gradient_estimates

__all__ = ["plot_fixed_vs_fresh_noise", "plot_gradient_histograms", "estimator_variances",
           "plot_variance_vs_samples"]


def plot_fixed_vs_fresh_noise(eps, mus, std=0.5, seed=0, fig=None):
    """Two panels: z = μ + σε along μ for each fixed ε (lines), and fresh draws of N(μ, σ²) (dots) (lesson 04).

    Args:
        eps: (L,) fixed standard-normal noise, one line per value.
        mus: (M,) the values of μ on the x-axis, e.g. ``np.linspace(0, 3, 31)``.
        std: σ > 0.
        seed: int or ``numpy.random.Generator`` for the fresh draws (L rows of M draws, one row per ε).
        fig: the Figure to draw into; a new 7.4 x 3.8 inch figure when None (its text at 9 pt or more at a page's
            text width).

    Returns:
        The Figure, with two Axes sharing the z axis.
    """
    eps, mus = np.asarray(eps, dtype=np.float64), np.asarray(mus, dtype=np.float64)
    if eps.ndim != 1 or mus.ndim != 1 or len(eps) == 0 or len(mus) < 2:
        raise ValueError(f"eps must have shape (L,) with L >= 1 and mus shape (M,) with M >= 2, got {eps.shape} "
                         f"and {mus.shape}.")
    if not float(std) > 0.0:
        raise ValueError(f"std must be positive, got {std}.")
    rng = np.random.default_rng(seed)  # a Generator passes through unchanged
    fig = plt.figure(figsize=(7.4, 3.8)) if fig is None else fig
    axes = fig.subplots(1, 2, sharey=True)
    for e in eps:
        axes[0].plot(mus, mus + std * e, marker=".", lw=1)
    axes[0].set(title="noise fixed:\n" r"$z=\mu+\sigma\varepsilon$ is a function of $\mu$", xlabel=r"$\mu$", ylabel="z")
    for _ in eps:
        axes[1].plot(mus, rng.normal(mus, std), ".", ms=5)
    axes[1].set(title="fresh draw at every " r"$\mu$:" "\nno path", xlabel=r"$\mu$")
    fig.suptitle(rf"Samples of $N(\mu, {std:g}^2)$")
    fig.tight_layout()
    return fig


def plot_gradient_histograms(samples, true_gradient, bins=None, ax=None,
                             title="Per-sample gradient estimates", true_label="true gradient"):
    """Overlaid density histograms (log scale) of each estimator's per-sample gradients (lesson 04).

    Args:
        samples: mapping of an estimator's name to its per-sample gradients, (N,) each.
        true_gradient: the exact gradient, drawn as a dashed vertical line.
        bins: histogram bin edges; default ``np.linspace(-20, 100, 121)``. The legend says which
            fraction of each estimator's samples lies outside them.
        ax: the Axes to draw into; a new 8 x 3.6 inch figure when None.
        title, true_label: the Axes' title and the legend entry of the true gradient.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given).
    """
    if not samples:
        raise ValueError("samples is empty; pass e.g. {'reparameterization': per_sample_gradients}.")
    bins = np.linspace(-20, 100, 121) if bins is None else np.asarray(bins)
    ax = plt.subplots(figsize=(7.2, 3.6))[1] if ax is None else ax
    for name, g in samples.items():
        g = np.asarray(g)
        if g.ndim != 1 or len(g) == 0:
            raise ValueError(f"samples[{name!r}] must have shape (N,) with N >= 1, got {g.shape}.")
        outside = np.mean((g < bins[0]) | (g > bins[-1]))
        ax.hist(g, bins=bins, density=True, histtype="stepfilled", alpha=0.45, label=f"{name} ({outside:.1%} off-axis)")
    ax.axvline(true_gradient, color="k", ls="--", label=true_label)
    ax.set(yscale="log", xlabel=r"one-sample gradient estimate of $d/d\mu\ \mathbb{E}[z^2]$",
           ylabel="density (log scale)", title=title)
    ax.legend(fontsize=9)
    return ax.figure


def estimator_variances(estimators, f, mean, std, ns, repeats=500, seed=2) -> dict:
    """The variance of R estimates that each average N per-sample gradients, for every N (lesson 04).

    Args:
        estimators: mapping of a name to ``(estimator, kwargs)``, e.g.
            ``{"score function + baseline": (score_function_gradients, {"baseline": b})}``.
        f, mean, std: the objective and the scalar parameters, as for :func:`gradient_estimates`.
        ns: the sample counts N.
        repeats: R, the estimates per N (>= 2).
        seed: int; the k-th N uses the seed pair ``(seed, k)``, the same for every estimator.

    Returns:
        dict name -> list of variances (Python floats), one per N.
    """
    return {name: [float(np.var(gradient_estimates(estimator, f, mean, std, n_samples=n, repeats=repeats,
                                                   seed=(seed, k), **kwargs).numpy()))
                   for k, n in enumerate(ns)]
            for name, (estimator, kwargs) in estimators.items()}


def plot_variance_vs_samples(ns, variances, per_sample_variances, ax=None):
    """Log-log: measured variance against N (dots) and the closed form per-sample variance / N (dashes) (lesson 04).

    Args:
        ns: the sample counts N.
        variances: dict name -> measured variances, one per N (from :func:`estimator_variances`).
        per_sample_variances: dict name -> the closed-form variance of one sample, same names.
        ax: the Axes to draw into; a new 6.5 x 4 inch figure when None.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given).
    """
    ns = list(ns)
    if set(variances) != set(per_sample_variances):
        raise ValueError(f"variances and per_sample_variances must name the same estimators, got "
                         f"{sorted(variances)} and {sorted(per_sample_variances)}.")
    ax = plt.subplots(figsize=(6.5, 4))[1] if ax is None else ax
    for name, values in variances.items():
        if len(values) != len(ns):
            raise ValueError(f"variances[{name!r}] has {len(values)} values for {len(ns)} sample counts ns.")
        line, = ax.loglog(ns, values, "o", label=name)
        ax.loglog(ns, [per_sample_variances[name] / n for n in ns], "--", color=line.get_color())
    ax.set(xlabel="samples per estimate N", ylabel="variance of the estimate",
           title="Variance falls like 1/N; the gap between estimators stays")
    ax.legend()
    return ax.figure
