"""The bar picture  log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))  with a model's numbers (lesson 06).

As losses (positive nats): −ELBO = −log p(x) + KL(q(z|x) ‖ p(z|x)). The bar for a model has the
height −ELBO, split into −log p(x) and the gap. log p(x) itself is unknown; the course estimates
it with the importance-weighted bound L_K (K = 100), which is ≤ log p(x), so the gap drawn,
L_K − ELBO, is (up to Monte Carlo noise) a lower bound on the true average KL.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt

__all__ = ["elbo_decomposition", "plot_elbo_gap"]


def elbo_decomposition(log_px, elbo) -> dict:
    """The parts of  −ELBO = −log p(x) + gap  from two numbers in nats (lesson 06).

    Args:
        log_px: an estimate of log p(x) (e.g. L_100), nats per image.
        elbo: the ELBO of the same model and images, nats per image.

    Returns:
        dict with ``neg_log_px`` (= −log_px), ``gap`` (= log_px − elbo, ≥ 0) and ``neg_elbo`` (= −elbo).

    Raises:
        ValueError: a value is not a finite number, or ``elbo`` > ``log_px`` (no lower bound can
            exceed log p(x): swapped arguments, or an estimate too noisy to use).
    """
    values = {}
    for name, value in (("log_px", log_px), ("elbo", elbo)):
        try:
            values[name] = float(value)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name} must be a number (nats per image), got {value!r}.") from err
        if not math.isfinite(values[name]):
            raise ValueError(f"{name} must be finite, got {values[name]}.")
    if values["elbo"] > values["log_px"]:
        raise ValueError(f"elbo ({values['elbo']:.3f}) is above log_px ({values['log_px']:.3f}); the ELBO is a "
                         "lower bound on log p(x). Check the argument order (log_px, elbo).")
    return {"neg_log_px": -values["log_px"], "gap": values["log_px"] - values["elbo"], "neg_elbo": -values["elbo"]}


def plot_elbo_gap(models, ax=None, log_px_label=r"$-\log p(x)$",
                  gap_label=r"$\mathrm{KL}(q(z|x)\,\|\,p(z|x))$"):
    """One stacked bar per model: −log p(x) at the bottom, the gap on top, total −ELBO (lesson 06).

    Args:
        models: mapping of a label (e.g. "D = 2") to the pair (log_px, elbo), nats per image.
        ax: the Axes to draw into; a new figure when None.
        log_px_label, gap_label: legend entries of the two parts.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given); each bar is annotated with its numbers.
    """
    if not models:
        raise ValueError("models is empty; pass e.g. {'D = 2': (log_px, elbo)}.")
    parts = {label: elbo_decomposition(*pair) for label, pair in models.items()}
    ax = plt.subplots(figsize=(6, 4.5))[1] if ax is None else ax
    labels = list(parts)
    bottoms = [parts[k]["neg_log_px"] for k in labels]
    gaps = [parts[k]["gap"] for k in labels]
    ax.bar(labels, bottoms, width=0.55, color="#90caf9", edgecolor="k", label=log_px_label)
    ax.bar(labels, gaps, width=0.55, bottom=bottoms, color="#ef9a9a", edgecolor="k", label=gap_label)
    for i, k in enumerate(labels):
        ax.text(i, bottoms[i] / 2, f"{bottoms[i]:.1f}", ha="center", va="center", fontsize=11)
        ax.text(i + 0.3, bottoms[i] + gaps[i] / 2, f"gap {gaps[i]:.1f}", ha="left", va="center", fontsize=11)
        ax.text(i, parts[k]["neg_elbo"] * 1.02, f"−ELBO = {parts[k]['neg_elbo']:.1f}", ha="center", va="bottom",
                fontsize=11)
    ax.set_ylim(0, max(p["neg_elbo"] for p in parts.values()) * 1.15)
    ax.set_xlim(-0.6, len(labels) - 0.4 + 0.6)
    ax.set_ylabel("nats per image")
    ax.legend(loc="upper right", fontsize=10)
    return ax.figure
