"""Three ways to turn an encoder's raw output r into a standard deviation σ (lesson 03).

"identity": σ = r (can be zero or negative: not a valid scale);
"logvar":   σ = exp(r / 2), i.e. r = log σ² is the log-variance (what the course's encoder outputs);
"softplus": σ = softplus(r) = log(1 + eʳ).

``sigma_and_gradient`` returns σ and dσ/dr computed by automatic differentiation, and
``plot_sigma_parametrizations`` draws σ, dσ/dr and d log σ / dr for all three.
``float32_logvar_limits`` computes, once for the whole course, the logvar range in which the
variance exp(logvar) and the standard deviation exp(logvar / 2) are finite and non-zero in float32.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from vae_course.validation import as_float32, check_finite

__all__ = ["PARAMETRIZATIONS", "LABELS", "sigma_from_raw", "sigma_and_gradient", "plot_sigma_parametrizations"]

PARAMETRIZATIONS = ("identity", "logvar", "softplus")
LABELS = {"identity": "σ = r", "logvar": "σ = exp(r/2)  (r = log σ²)", "softplus": "σ = softplus(r)"}


def sigma_from_raw(raw, parametrization):
    """σ from the raw output r, float32, same shape (lesson 03); see the module docstring."""
    raw = as_float32(raw, "raw", "any shape")
    check_finite(raw, "raw")
    if parametrization == "identity":
        return tf.identity(raw)
    if parametrization == "logvar":
        return tf.exp(0.5 * raw)
    if parametrization == "softplus":
        return tf.math.softplus(raw)
    raise ValueError(f"parametrization must be one of {PARAMETRIZATIONS}, got {parametrization!r}.")


def sigma_and_gradient(raw, parametrization):
    """σ(r) and its elementwise derivative dσ/dr, by automatic differentiation (lesson 03).

    Closed forms: identity 1;  logvar σ/2;  softplus sigmoid(r).

    Args:
        raw: float32 array of any shape.
        parametrization: one of ``PARAMETRIZATIONS``.

    Returns:
        (sigma, dsigma_draw): float32 numpy arrays of the shape of ``raw``.
    """
    raw = tf.Variable(as_float32(raw, "raw", "any shape"))
    with tf.GradientTape() as tape:
        sigma = sigma_from_raw(raw, parametrization)
    # Each σ_i depends on r_i alone, so the gradient of Σ σ_i is the elementwise derivative.
    grad = tape.gradient(sigma, raw)
    return sigma.numpy(), grad.numpy()


def plot_sigma_parametrizations(raw=None, fig=None):
    """σ(r) on top; dσ/dr and d log σ / dr of the three parametrizations below it (lesson 03).

    Args:
        raw: float32 (R,) increasing grid of raw outputs; ``linspace(-8, 8, 401)`` when None.
        fig: an empty Figure to draw into; a new one when None.

    Returns:
        The Figure, with three Axes. d log σ / dr = (dσ/dr) / σ is drawn only where σ > 0.
    """
    import matplotlib.pyplot as plt

    raw = np.linspace(-8.0, 8.0, 401, dtype=np.float32) if raw is None else raw
    fig = plt.figure(figsize=(7.4, 6.4)) if fig is None else fig  # 7.4 in: its text shows at 9 pt or more
    grid = fig.add_gridspec(2, 2)
    axes = [fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])]
    for name in PARAMETRIZATIONS:
        sigma, grad = sigma_and_gradient(raw, name)
        r = np.asarray(raw)
        axes[0].plot(r, sigma, label=LABELS[name])
        axes[1].plot(r, grad, label=LABELS[name])
        ok = sigma > 0
        axes[2].plot(r[ok], grad[ok] / sigma[ok], label=LABELS[name])
    axes[0].set_ylim(-3.0, 6.0)
    axes[0].axhspan(-3.0, 0.0, color="tab:red", alpha=0.1)
    axes[0].text(0.03, 0.05, "σ ≤ 0: invalid", transform=axes[0].transAxes, color="tab:red")
    axes[0].set_title("σ(r)")
    axes[1].set_yscale("log")
    axes[1].set_title("dσ/dr (log scale)")
    axes[2].set_yscale("log")
    axes[2].set_title("d log σ / dr:\nrelative change per unit of r")
    for ax in axes:
        ax.set_xlabel("raw encoder output r")
        ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    axes[0].legend()
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class LogvarLimits:
    """Where float32 exp stops being finite or non-zero, as values of logvar (lesson 03).

    exp(r) overflows to inf above log(largest float32); below log(smallest normal float32) the
    result is subnormal, and TensorFlow's CPU kernels flush it to 0 (NumPy keeps subnormals and
    returns 0 only below log(smallest subnormal / 2), where rounding gives 0). The standard
    deviation exp(logvar / 2) has every limit twice as far out as the variance exp(logvar).
    """

    variance_overflow: float  # exp(logvar) = inf above this: log(float32 max) ≈ 88.72
    variance_flush: float  # exp(logvar) is subnormal below this, 0 in TensorFlow: log(float32 tiny) ≈ −87.34
    variance_underflow: float  # exp(logvar) = 0 below this even with subnormals (NumPy) ≈ −103.97
    std_overflow: float  # exp(logvar / 2) = inf above this ≈ 177.45
    std_flush: float  # exp(logvar / 2) = 0 in TensorFlow below this ≈ −174.67
    std_underflow: float  # exp(logvar / 2) = 0 below this even with subnormals ≈ −207.94


def float32_logvar_limits() -> LogvarLimits:
    """The float32 limits of exp(logvar) and exp(logvar / 2), computed from ``np.finfo`` (lesson 03).

    Returns:
        A ``LogvarLimits``; e.g. ``std_overflow`` = 2 · log(float32 max), the largest logvar for
        which ``distributions.std_from_logvar`` is finite.
    """
    f32 = np.finfo(np.float32)
    overflow = math.log(float(f32.max))
    flush = math.log(float(f32.tiny))
    underflow = math.log(float(f32.smallest_subnormal) / 2)  # round to nearest: below half the smallest, 0
    return LogvarLimits(variance_overflow=overflow, variance_flush=flush, variance_underflow=underflow,
                        std_overflow=2 * overflow, std_flush=2 * flush, std_underflow=2 * underflow)
