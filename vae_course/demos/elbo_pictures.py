"""Lesson 06's pictures of ELBO estimates: their spread, the per-digit costs, and L_K against K (lesson 06).

Each picture has a function that computes its numbers from a model (with explicit seeds) and one
that draws them, so a slide can draw the lesson's numbers or its own:

* :func:`elbo_draws` and :func:`plot_estimator_spread`: single-sample Monte Carlo ELBO against
  the estimate with the KL in closed form, per digit.
* :func:`digit_costs` and :func:`plot_digit_costs`: −ELBO of single digits split into the
  reconstruction cost −E_q[log p(x|z)] and KL(q(z|x) ‖ p(z)).
* :func:`iwae_bounds` and :func:`plot_bound_gap_vs_k`: L_K − ELBO as K grows.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vae_course.distributions import bernoulli_log_likelihood, kl_standard_normal, reparameterize, sample_eps
from vae_course.losses import elbo_analytic, elbo_single_sample, model_iwae_bound
from vae_course.plotting import image_grid
from vae_course.validation import positive_int

__all__ = ["elbo_draws", "plot_estimator_spread", "digit_costs", "plot_digit_costs", "iwae_bounds",
           "plot_bound_gap_vs_k"]


def elbo_draws(model, x, n_draws, seed):
    """``n_draws`` single-sample ELBO estimates per image, Monte Carlo KL and closed-form KL (lesson 06).

    Draw s uses the noise ``sample_eps(mean.shape, seed=(seed, s))`` for both estimators.

    Returns:
        (mc, analytic): float64 arrays (N, n_draws) of nats per image.
    """
    mean, logvar = model.encode(x)  # (N, D) each
    mc, an = [], []
    for s in range(positive_int(n_draws, "n_draws")):
        z = reparameterize(mean, logvar, sample_eps(mean.shape, seed=(seed, s)))  # (N, D)
        x_logits = model.decode(z)  # (N, 28, 28, 1)
        mc.append(elbo_single_sample(x, mean, logvar, z, x_logits))  # (N,)
        an.append(elbo_analytic(x, mean, logvar, x_logits))  # (N,)
    return np.stack(mc, axis=1).astype(np.float64), np.stack(an, axis=1).astype(np.float64)  # (N, S) each


def plot_estimator_spread(estimates, ax=None, title="Per-digit spread of one-sample ELBO estimates"):
    """Scatter per digit: std of the analytic-KL estimate (x) against std of the MC estimate (y) (lesson 06).

    Args:
        estimates: mapping of a label (e.g. "D = 2") to ``(analytic, mc)``, arrays (N, S) of S draws per digit.
        ax: the Axes to draw into; a new 5.5 x 5 inch figure when None.
        title: the Axes' title.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given): one scatter per label and the dashed diagonal "equal spread".
    """
    if not estimates:
        raise ValueError("estimates is empty; pass e.g. {'D = 2': (analytic, mc)}.")
    spreads = {}
    for label, (an, mc) in estimates.items():
        an, mc = np.asarray(an), np.asarray(mc)
        if an.ndim != 2 or an.shape != mc.shape or an.shape[1] < 2:
            raise ValueError(f"estimates[{label!r}] must be two arrays of the same shape (N, S) with S >= 2 "
                             f"draws, got {an.shape} and {mc.shape}.")
        spreads[label] = (an.std(axis=1), mc.std(axis=1))  # (N,) each
    ax = plt.subplots(figsize=(5.5, 5))[1] if ax is None else ax
    for label, (an_std, mc_std) in spreads.items():
        ax.scatter(an_std, mc_std, s=10, alpha=0.6, label=label)
    top = max(mc_std.max() for _, mc_std in spreads.values())
    ax.plot([0, top], [0, top], "k--", lw=1, label="equal spread")
    ax.set(xlabel="std of the analytic-KL estimate (nats)", ylabel="std of the single-sample MC estimate (nats)",
           title=title)
    ax.legend()
    return ax.figure


def digit_costs(model, x, n_draws, seed):
    """Reconstruction cost −E_q[log p(x|z)] (mean of ``n_draws`` draws) and KL(q(z|x) ‖ p(z)) (lesson 06).

    Draw s uses the noise ``sample_eps(mean.shape, seed=(seed, s))``.

    Returns:
        (reconstruction_cost, kl): arrays (N,) in nats, positive; their sum is −ELBO.
    """
    mean, logvar = model.encode(x)  # (N, D) each
    rec = np.mean([bernoulli_log_likelihood(x, model.decode(reparameterize(
        mean, logvar, sample_eps(mean.shape, seed=(seed, s))))) for s in range(positive_int(n_draws, "n_draws"))],
        axis=0)  # (N,)
    return -rec, kl_standard_normal(mean, logvar).numpy()


def plot_digit_costs(x, costs, fig=None):
    """The digits on top; below, one panel per model of stacked bars reconstruction cost + KL = −ELBO (lesson 06).

    Args:
        x: (N, 28, 28, 1) the digits, drawn in one row.
        costs: mapping of a label (e.g. 2 or "D = 2") to ``(reconstruction_cost, kl)``, arrays (N,) in nats.
        fig: the Figure to draw into; a new 7.4 x 5.4 inch figure when None (its text at 9 pt or more at a
            page's text width).

    Returns:
        The Figure; all panels share one y range and one legend.
    """
    n = len(x)
    if not costs or any(np.shape(r) != (n,) or np.shape(k) != (n,) for r, k in costs.values()):
        raise ValueError(f"costs must map each model to (reconstruction_cost, kl), arrays of shape ({n},), one per "
                         f"digit; got {({label: tuple(np.shape(a) for a in c) for label, c in costs.items()})}.")
    fig = plt.figure(figsize=(7.4, 5.4)) if fig is None else fig
    image_grid(x, ncols=n, ax=fig.add_axes([0.06, 0.84, 0.88, 0.14]))
    top = max(float(np.max(rec_cost + kl)) for rec_cost, kl in costs.values()) * 1.05
    width = 0.94 / len(costs)
    for k, (label, (rec_cost, kl)) in enumerate(costs.items()):
        ax = fig.add_axes([0.07 + width * k, 0.08, width - 0.06, 0.6])
        ax.bar(range(n), rec_cost, label=r"reconstruction cost $-\mathbb{E}_q[\log p(x|z)]$")
        ax.bar(range(n), kl, bottom=rec_cost, label=r"KL$(q(z|x)\,\|\,p(z))$")
        ax.set(xticks=range(n), xlabel="digit", ylim=(0, top), ylabel="nats" if k == 0 else None,
               title=f"{label}: bar height = $-$ELBO")
    fig.legend(*ax.get_legend_handles_labels(), loc="center", bbox_to_anchor=(0.5, 0.76), ncols=2, frameon=False)
    return fig


def iwae_bounds(model, x, ks, chunk=10):
    """The mean of L_K over the images of ``x`` for each K, in nats; chunk j of K uses seed (K, j) (lesson 06).

    ``chunk`` images per call keep the K·chunk decoded images small.
    """
    positive_int(chunk, "chunk")
    return [float(np.mean(np.concatenate([model_iwae_bound(model, x[j:j + chunk], k, seed=(k, j))
                                          for j in range(0, len(x), chunk)]))) for k in ks]


def plot_bound_gap_vs_k(ks, bounds, elbos, ax=None, n_images=None):
    """L_K − ELBO against K (log x axis), one line per model; 0 is the ELBO itself (lesson 06).

    Args:
        ks: the K values.
        bounds: mapping label -> the mean L_K for each K (from :func:`iwae_bounds`).
        elbos: mapping label -> the mean ELBO of the same images.
        ax: the Axes to draw into; a new 6.5 x 4 inch figure when None.
        n_images: how many images the means are over, for the y label.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given).
    """
    ks = list(ks)
    if set(bounds) != set(elbos) or any(len(b) != len(ks) for b in bounds.values()):
        raise ValueError(f"bounds must hold {len(ks)} values (one per K) for each label of elbos; got bounds "
                         f"for {sorted(bounds)} with lengths {[len(b) for b in bounds.values()]}, elbos for "
                         f"{sorted(elbos)}.")
    ax = plt.subplots(figsize=(6.5, 4))[1] if ax is None else ax
    for label, values in bounds.items():
        ax.semilogx(ks, np.array(values) - elbos[label], "o-", label=label)
    ax.axhline(0.0, color="k", lw=1, ls=":")
    over = "" if n_images is None else f", mean over {n_images} digits"
    ax.set(xlabel="K (importance samples)", ylabel=rf"$\mathcal{{L}}_K$ $-$ ELBO (nats{over})",
           title="Importance-weighted bounds rise above the ELBO as K grows")
    ax.legend()
    return ax.figure
