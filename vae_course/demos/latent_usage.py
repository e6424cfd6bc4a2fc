"""Which latent dimensions a trained encoder uses: KL per dimension and activity (lesson 06).

Two statistics per latent dimension d, over a set of images x:

* the average KL(q(z_d|x) ‖ N(0, 1)), in nats: the price the ELBO pays for that coordinate;
* the **activity** A_d = Var_x E_q[z_d | x] = Var_x μ_d(x) (Burda, Grosse & Salakhutdinov, 2016):
  how much the posterior mean of that coordinate moves from image to image. A dimension whose
  mean does not move carries no information about x, whatever its KL; Burda et al. call a
  dimension active when A_d > 0.01.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import tensorflow_probability as tfp

__all__ = ["ACTIVE_THRESHOLD", "kl_per_dimension", "activity", "plot_latent_usage"]

ACTIVE_THRESHOLD = 0.01  # Burda et al. (2016): active when Var_x E_q[z_d] exceeds it
tfd = tfp.distributions


def _pair(mean, logvar):
    mean, logvar = np.asarray(mean, np.float64), np.asarray(logvar, np.float64)
    if mean.ndim != 2 or mean.shape != logvar.shape or mean.shape[0] < 2:
        raise ValueError(f"mean and logvar must both be (N, D) with N >= 2 images; got {mean.shape} and "
                         f"{logvar.shape}. Pass the encoder's outputs for a batch of images.")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(logvar))):
        raise ValueError("mean and logvar must be finite.")
    return mean, logvar


def kl_per_dimension(mean, logvar) -> np.ndarray:
    """Average over the N images of KL(q(z_d|x) ‖ N(0, 1)) for each dimension d, float64 (D,), nats."""
    mean, logvar = _pair(mean, logvar)
    q = tfd.Normal(loc=mean, scale=np.exp(0.5 * logvar))  # (N, D) scalar Gaussians, float64
    return tfd.kl_divergence(q, tfd.Normal(np.float64(0.0), np.float64(1.0))).numpy().mean(axis=0)


def activity(mean) -> np.ndarray:
    """A_d = Var over the images of the posterior mean μ_d(x), float64 (D,)."""
    mean = np.asarray(mean, np.float64)
    _pair(mean, mean)
    return mean.var(axis=0)


def plot_latent_usage(kl, act, fig=None):
    """Two bar charts, one above the other, dimensions sorted by KL: the KL per dimension, and its activity
    (log scale). 7.2 inches wide, so that its text shows at 9 pt or more at a page's text width.

    Returns:
        The Figure. ``show()`` is never called.
    """
    kl, act = np.asarray(kl, np.float64), np.asarray(act, np.float64)
    order = np.argsort(kl)[::-1]
    fig = fig or plt.figure(figsize=(7.2, 6.0))
    ax_kl, ax_act = fig.subplots(2, 1)
    ranks = np.arange(len(kl))
    ax_kl.bar(ranks, kl[order], color="#0072B2")
    ax_kl.set(xlabel="latent dimension, sorted by KL", ylabel="mean KL (nats)",
              title=f"KL per dimension (sum {kl.sum():.1f} nats)")
    active = act[order] > ACTIVE_THRESHOLD
    ax_act.bar(ranks, act[order], color=np.where(active, "#0072B2", "#E69F00"))
    ax_act.axhline(ACTIVE_THRESHOLD, color="k", linestyle="--", linewidth=1,
                   label=f"activity {ACTIVE_THRESHOLD} (Burda et al.)")
    ax_act.set_yscale("log")
    ax_act.set(xlabel="latent dimension, same order", ylabel=r"Var$_x\,\mu_d(x)$",
               title=f"activity: {int(active.sum())} of {len(act)} dimensions above {ACTIVE_THRESHOLD}")
    ax_act.legend()
    fig.tight_layout()
    return fig
