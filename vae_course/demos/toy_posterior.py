"""A latent-variable model small enough to compute its posterior on a grid (lesson 00).

The model has a 1-D latent z and a 1-D observation x:

    z ~ p(z) = N(0, 1),        x | z ~ p(x | z) = N(x; z², noise_std²).

The "decoder" z ↦ z² forgets the sign of z, so an observation x > 0 has two explanations, z ≈ ±√x:
the posterior p(z | x) = p(x | z) p(z) / p(x) has two modes. Its normalizer, the evidence
p(x) = ∫ p(x | z) p(z) dz, is a 1-D integral here, which a grid of a few hundred points computes;
in D latent dimensions the same grid would need (points per axis)^D evaluations of the decoder.

Everything is float64 NumPy on a uniform grid (Riemann sums with the grid step).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["DEFAULT_GRID", "log_prior", "log_likelihood", "grid_posterior", "gaussian_on_grid",
           "kl_on_grid", "fit_gaussian", "elbo_on_grid"]

DEFAULT_GRID = np.linspace(-4.0, 4.0, 801)  # (801,) values of z


def _grid(grid):
    grid = np.asarray(grid, np.float64)
    steps = np.diff(grid)
    if grid.ndim != 1 or grid.size < 3 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("grid must be an increasing, evenly spaced 1-D array of at least 3 values of z "
                         "(e.g. np.linspace(-4, 4, 801)).")
    return grid, float(steps[0])


def log_prior(z):
    """log N(z; 0, 1), elementwise."""
    z = np.asarray(z, np.float64)
    return -0.5 * (math.log(2 * math.pi) + z**2)


def log_likelihood(x, z, noise_std=0.5):
    """log p(x | z) = log N(x; z², noise_std²), elementwise in z."""
    if not noise_std > 0:
        raise ValueError(f"noise_std must be positive, got {noise_std!r}.")
    z = np.asarray(z, np.float64)
    return -0.5 * (math.log(2 * math.pi * noise_std**2) + (x - z**2) ** 2 / noise_std**2)


def grid_posterior(x, grid=DEFAULT_GRID, noise_std=0.5) -> dict:
    """Prior, likelihood, posterior density and log-evidence of the toy model at observation ``x``.

    Returns:
        ``{"grid", "prior", "likelihood", "posterior"}`` (each (G,) float64; the posterior integrates
        to 1 on the grid) and ``"log_evidence"``, log p(x) by the grid sum.
    """
    grid, dz = _grid(grid)
    log_joint = log_prior(grid) + log_likelihood(x, grid, noise_std)  # (G,)
    peak = log_joint.max()
    log_evidence = peak + math.log(np.sum(np.exp(log_joint - peak)) * dz)
    return {"grid": grid, "prior": np.exp(log_prior(grid)), "likelihood": np.exp(log_likelihood(x, grid, noise_std)),
            "posterior": np.exp(log_joint - log_evidence), "log_evidence": log_evidence}


def gaussian_on_grid(grid, mean, std):
    """N(z; mean, std²) on ``grid``, (G,)."""
    grid = np.asarray(grid, np.float64)
    return np.exp(-0.5 * ((grid - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def kl_on_grid(p, q, grid, floor=1e-300):
    """KL(p ‖ q) = ∫ p log(p / q) dz by the grid sum, in nats; p and q are densities on ``grid``."""
    _, dz = _grid(grid)
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    mask = p > floor
    return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(np.maximum(q[mask], floor)))) * dz)


def fit_gaussian(target, grid, divergence, means=None, stds=None):
    """The Gaussian q = N(μ, σ²) closest to the density ``target`` on ``grid``.

    Args:
        divergence: "reverse" minimizes KL(q ‖ target) (what the ELBO does: mode-seeking), by a search
            over the candidate ``means`` × ``stds``; "forward" minimizes KL(target ‖ q) (mass-covering),
            whose minimizer is the Gaussian with the target's mean and variance.

    Returns:
        (mean, std), floats.
    """
    grid, dz = _grid(grid)
    target = np.asarray(target, np.float64)
    if divergence == "forward":
        mean = float(np.sum(grid * target) * dz)
        return mean, float(math.sqrt(np.sum((grid - mean) ** 2 * target) * dz))
    if divergence != "reverse":
        raise ValueError(f'divergence must be "reverse" or "forward", got {divergence!r}.')
    means = np.linspace(grid[0] + 0.5, grid[-1] - 0.5, 241) if means is None else np.asarray(means, np.float64)
    stds = np.geomspace(0.05, 2.0, 160) if stds is None else np.asarray(stds, np.float64)
    log_t = np.log(np.maximum(target, 1e-300))  # (G,)
    best, best_kl = None, np.inf
    for s in stds:  # KL(q || t) = -H(q) - E_q[log t], with H(q) in closed form
        q = gaussian_on_grid(grid[None, :], means[:, None], s)  # (M, G)
        kl = -0.5 * math.log(2 * math.pi * math.e * s**2) - np.sum(q * log_t, axis=1) * dz  # (M,)
        k = int(np.argmin(kl))
        if kl[k] < best_kl:
            best, best_kl = (float(means[k]), float(s)), float(kl[k])
    return best


def elbo_on_grid(x, mean, std, grid=DEFAULT_GRID, noise_std=0.5):
    """ELBO(x) = E_q[log p(x, z) − log q(z)] for q = N(mean, std²), by the grid sum, in nats."""
    grid, dz = _grid(grid)
    q = gaussian_on_grid(grid, mean, std)
    log_q = -0.5 * (math.log(2 * math.pi * std**2) + ((grid - mean) / std) ** 2)
    log_joint = log_prior(grid) + log_likelihood(x, grid, noise_std)
    return float(np.sum(q * (log_joint - log_q)) * dz)
