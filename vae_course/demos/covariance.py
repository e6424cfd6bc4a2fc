"""Diagonal versus full covariance: ellipses, parameter counts, best diagonal fits (lesson 02).

A Gaussian N(μ, Σ) in D dimensions. Its level sets are the ellipses
(z − μ)ᵀ Σ⁻¹ (z − μ) = r²; a diagonal Σ gives axis-aligned ellipses, a full Σ tilted ones.
These helpers work in float64 numpy (they draw pictures and count, they are not part of a
model), accept any real array-like and refuse shapes and matrices that are not a covariance.
"""
from __future__ import annotations

import numpy as np

from vae_course.validation import positive_int

__all__ = ["COVARIANCES", "DIVERGENCES", "num_gaussian_parameters", "check_gaussian", "covariance_ellipse",
           "gaussian_density", "best_diagonal_variances", "plot_gaussian_2d", "plot_normal_densities"]

COVARIANCES = ("diagonal", "full")
DIVERGENCES = ("reverse", "forward")


def num_gaussian_parameters(dim: int, covariance: str) -> int:
    """Free parameters of a D-dimensional Gaussian (lesson 02).

    diagonal: D means + D variances = 2D;  full: D means + D(D+1)/2 covariance entries.
    """
    positive_int(dim, "dim")
    if covariance not in COVARIANCES:
        raise ValueError(f"covariance must be one of {COVARIANCES}, got {covariance!r}.")
    dim = int(dim)
    return 2 * dim if covariance == "diagonal" else dim + dim * (dim + 1) // 2


def check_gaussian(mean, cov, dim=None):
    """Validates a mean (D,) and covariance (D, D); returns them as float64 arrays.

    Raises:
        ValueError: wrong shapes, non-finite values, or a matrix that is not symmetric positive definite.
    """
    mean = np.asarray(mean, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    want = "D" if dim is None else str(dim)
    if mean.ndim != 1 or (dim is not None and mean.shape[0] != dim):
        raise ValueError(f"mean must have shape ({want},), got {mean.shape}.")
    if cov.shape != (mean.shape[0], mean.shape[0]):
        raise ValueError(f"cov must have shape ({mean.shape[0]}, {mean.shape[0]}) to match mean, got {cov.shape}.")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
        raise ValueError("mean and cov must hold finite numbers.")
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12):
        raise ValueError("cov must be symmetric (cov == cov.T); a covariance matrix always is.")
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as err:
        raise ValueError("cov must be positive definite (all eigenvalues > 0), got eigenvalues "
                         f"{np.linalg.eigvalsh(cov)}.") from err
    return mean, cov


def covariance_ellipse(mean, cov, n_std=1.0, num_points=200) -> np.ndarray:
    """Points on the ellipse (z − μ)ᵀ Σ⁻¹ (z − μ) = n_std² of a 2-D Gaussian (lesson 02).

    Computed as z = μ + n_std · L (cos t, sin t) with Σ = L Lᵀ (Cholesky).

    Args:
        mean: (2,).  cov: (2, 2) symmetric positive definite.
        n_std: the Mahalanobis radius, > 0.
        num_points: points on the closed curve (the first and last coincide).

    Returns:
        float64 array (num_points, 2).
    """
    mean, cov = check_gaussian(mean, cov, dim=2)
    if not n_std > 0:
        raise ValueError(f"n_std must be positive, got {n_std}.")
    t = np.linspace(0.0, 2.0 * np.pi, int(num_points))  # (P,)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)  # (P, 2)
    return mean + n_std * circle @ np.linalg.cholesky(cov).T


def gaussian_density(points, mean, cov) -> np.ndarray:
    """Density of N(μ, Σ) at each row of ``points`` (P, D) -> (P,) (lesson 02).

    N(z; μ, Σ) = exp(−½ (z − μ)ᵀ Σ⁻¹ (z − μ)) / sqrt((2π)^D det Σ)
    """
    mean, cov = check_gaussian(mean, cov)
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != mean.shape[0]:
        raise ValueError(f"points must have shape (P, {mean.shape[0]}), got {points.shape}.")
    diff = points - mean  # (P, D)
    maha = np.einsum("pi,ij,pj->p", diff, np.linalg.inv(cov), diff)  # (P,)
    _, logdet = np.linalg.slogdet(cov)
    return np.exp(-0.5 * (maha + logdet + mean.shape[0] * np.log(2.0 * np.pi)))


def best_diagonal_variances(cov, divergence="reverse") -> np.ndarray:
    """Variances of the diagonal Gaussian closest to N(μ, Σ); its mean is μ (lesson 02).

    reverse, argmin KL(q ‖ p) (the direction of the ELBO): σ_d² = 1 / (Σ⁻¹)_dd;
    forward, argmin KL(p ‖ q) (moment matching): σ_d² = Σ_dd.

    Args:
        cov: (D, D) symmetric positive definite.
        divergence: "reverse" or "forward".

    Returns:
        float64 array (D,).
    """
    if divergence not in DIVERGENCES:
        raise ValueError(f"divergence must be one of {DIVERGENCES}, got {divergence!r}.")
    cov = np.asarray(cov, dtype=np.float64)
    _, cov = check_gaussian(np.zeros(cov.shape[:1]), cov)
    return 1.0 / np.diag(np.linalg.inv(cov)) if divergence == "reverse" else np.diag(cov).copy()


def plot_gaussian_2d(mean, cov, ax=None, n_stds=(1, 2, 3), color="tab:blue", label=None, shade=True, lim=3.5,
                     samples=None):
    """Density (shaded) and 1-, 2-, 3-sigma ellipses of a 2-D Gaussian (lesson 02).

    Args:
        mean: (2,).  cov: (2, 2) symmetric positive definite.
        ax: the Axes to draw into; a new figure when None.
        n_stds: Mahalanobis radii of the ellipses drawn.
        color: colour of the ellipses.
        label: legend label of the first ellipse.
        shade: draw the density as a grey image behind the ellipses.
        lim: the axes show [-lim, lim] in both directions.
        samples: optional (N, 2) points drawn on top as small orange dots, e.g. draws of this Gaussian.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given), with equal aspect ratio.
    """
    import matplotlib.pyplot as plt

    mean, cov = check_gaussian(mean, cov, dim=2)
    if samples is not None and (np.ndim(samples) != 2 or np.shape(samples)[1] != 2):
        raise ValueError(f"samples must have shape (N, 2), got {np.shape(samples)}.")
    ax = plt.subplots(figsize=(4, 4))[1] if ax is None else ax
    if shade:
        g = np.linspace(-lim, lim, 161)  # (G,)
        z1, z2 = np.meshgrid(g, g)  # (G, G) each; row index follows z2
        dens = gaussian_density(np.stack([z1.ravel(), z2.ravel()], axis=1), mean, cov).reshape(z1.shape)
        ax.imshow(dens, origin="lower", extent=(-lim, lim, -lim, lim), cmap="Greys", alpha=0.6)
    for i, r in enumerate(n_stds):
        e = covariance_ellipse(mean, cov, r)  # (P, 2)
        ax.plot(e[:, 0], e[:, 1], color=color, lw=1.5, label=label if i == 0 else None)
    if samples is not None:
        ax.scatter(np.asarray(samples)[:, 0], np.asarray(samples)[:, 1], s=4, color="tab:orange")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return ax.figure


def plot_normal_densities(params=((0.0, 1.0), (1.5, 0.5), (-1.0, 2.0)), grid=None, ax=None):
    """The densities N(z; μ, σ²) = exp(−(z − μ)² / (2σ²)) / (σ√(2π)) of 1-D Gaussians, one line each (lesson 02).

    Args:
        params: pairs (μ, σ) with σ > 0; each line is labelled "μ = <μ>, σ = <σ>".
        grid: the z values, (G,); default 401 points on [-5, 5].
        ax: the Axes to draw into; a new 6 x 3 inch figure when None.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given).
    """
    import matplotlib.pyplot as plt

    if not params or any(len(p) != 2 or not np.isfinite(p[1]) or not p[1] > 0 for p in params):
        raise ValueError(f"params must be pairs (mu, sigma) with a finite sigma > 0, got {params!r}.")
    grid = np.linspace(-5, 5, 401) if grid is None else np.asarray(grid, dtype=np.float64)  # (G,)
    ax = plt.subplots(figsize=(6, 3))[1] if ax is None else ax
    for mu, sigma in params:
        ax.plot(grid, np.exp(-0.5 * ((grid - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)),
                label=f"μ = {mu}, σ = {sigma}")
    ax.set_xlabel("z")
    ax.set_ylabel("density")
    ax.legend()
    return ax.figure
