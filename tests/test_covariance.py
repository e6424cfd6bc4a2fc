"""Tests of vae_course.demos.covariance against tfp distributions, brute-force counts and numeric KL minima."""
import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vae_course.demos.covariance import (best_diagonal_variances, check_gaussian, covariance_ellipse,
                                   gaussian_density, num_gaussian_parameters, plot_gaussian_2d,
                                   plot_normal_densities)

tfd = tfp.distributions
MEAN = np.array([0.5, -1.0])
FULL = np.array([[1.0, 0.8], [0.8, 1.0]])
DIAG = np.diag([2.0, 0.25])


@pytest.mark.parametrize("dim", [1, 2, 5, 784])
def test_parameter_counts_match_a_brute_force_count(dim):
    assert num_gaussian_parameters(dim, "diagonal") == dim + dim  # means + diagonal entries
    upper = len(np.triu_indices(dim)[0])  # free entries of a symmetric matrix
    assert num_gaussian_parameters(dim, "full") == dim + upper


def test_parameter_counts_quoted_in_lesson_02():
    assert (num_gaussian_parameters(2, "diagonal"), num_gaussian_parameters(2, "full")) == (4, 5)
    assert (num_gaussian_parameters(784, "diagonal"), num_gaussian_parameters(784, "full")) == (1568, 308504)


@pytest.mark.parametrize("dim, covariance", [(0, "full"), (2.0, "full"), (True, "full"), (2, "tril")])
def test_parameter_counts_refuse_bad_arguments(dim, covariance):
    with pytest.raises(ValueError):
        num_gaussian_parameters(dim, covariance)


@pytest.mark.parametrize("cov", [FULL, DIAG, np.array([[3.0, -1.2], [-1.2, 0.7]])])
def test_ellipse_points_have_the_requested_mahalanobis_radius(cov):
    for r in (1.0, 2.5):
        e = covariance_ellipse(MEAN, cov, n_std=r, num_points=50)
        assert e.shape == (50, 2)
        d = e - MEAN
        np.testing.assert_allclose(np.einsum("pi,ij,pj->p", d, np.linalg.inv(cov), d), r**2, rtol=1e-10)


def test_diagonal_ellipse_is_axis_aligned_with_radii_sigma():
    e = covariance_ellipse(np.zeros(2), DIAG, n_std=1.0, num_points=2001)
    np.testing.assert_allclose(e.max(axis=0), np.sqrt(np.diag(DIAG)), rtol=1e-5)
    np.testing.assert_allclose(e.min(axis=0), -np.sqrt(np.diag(DIAG)), rtol=1e-5)


@pytest.mark.parametrize("cov", [FULL, DIAG])
def test_density_matches_tfp(cov):
    points = np.random.default_rng(0).normal(size=(20, 2))
    ref = tfd.MultivariateNormalTriL(loc=MEAN, scale_tril=np.linalg.cholesky(cov)).prob(points).numpy()
    np.testing.assert_allclose(gaussian_density(points, MEAN, cov), ref, rtol=1e-10)


def _kl_diag_vs_full(var_q, cov_p, reverse):
    q = tfd.MultivariateNormalDiag(loc=tf.zeros(2, tf.float64), scale_diag=tf.sqrt(var_q))
    p = tfd.MultivariateNormalTriL(loc=tf.zeros(2, tf.float64), scale_tril=np.linalg.cholesky(cov_p))
    return tfd.kl_divergence(q, p) if reverse else tfd.kl_divergence(p, q)


@pytest.mark.parametrize("divergence", ["reverse", "forward"])
def test_best_diagonal_variances_minimise_the_kl(divergence):
    cov = np.array([[1.5, 0.9], [0.9, 1.0]])
    best = best_diagonal_variances(cov, divergence)
    reverse = divergence == "reverse"
    # The gradient of the KL (computed by tfp) vanishes at the closed-form optimum ...
    v = tf.Variable(best)
    with tf.GradientTape() as tape:
        kl = _kl_diag_vs_full(v, cov, reverse)
    np.testing.assert_allclose(tape.gradient(kl, v).numpy(), 0.0, atol=1e-10)
    # ... and every variance on a grid around it does worse.
    for f1 in (0.7, 0.9, 1.0, 1.1, 1.4):
        for f2 in (0.7, 0.9, 1.0, 1.1, 1.4):
            assert _kl_diag_vs_full(best * [f1, f2], cov, reverse) >= kl.numpy() - 1e-12


def test_reverse_kl_fit_is_narrower_than_the_marginals():
    best = best_diagonal_variances(FULL, "reverse")
    np.testing.assert_allclose(best, 1.0 - 0.8**2)  # 1/(Σ⁻¹)_dd = conditional variance for unit marginals
    np.testing.assert_allclose(best_diagonal_variances(FULL, "forward"), [1.0, 1.0])
    np.testing.assert_allclose(best_diagonal_variances(DIAG), np.diag(DIAG))  # a diagonal target is fitted exactly


@pytest.mark.parametrize("mean, cov, match", [
    (np.zeros(3), FULL, "shape"),
    (np.zeros((1, 2)), FULL, "mean must have shape"),
    (MEAN, np.array([[1.0, 0.5], [0.4, 1.0]]), "symmetric"),
    (MEAN, np.array([[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
    (MEAN, np.array([[np.nan, 0.0], [0.0, 1.0]]), "finite"),
])
def test_bad_gaussians_are_refused(mean, cov, match):
    with pytest.raises(ValueError, match=match):
        check_gaussian(mean, cov)


def test_ellipse_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        covariance_ellipse(np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="divergence"):
        best_diagonal_variances(FULL, "symmetric")


def test_plot_gaussian_2d_draws_one_curve_per_radius():
    fig, ax = plt.subplots()
    assert plot_gaussian_2d(MEAN, FULL, ax=ax, n_stds=(1, 2), label="full") is ax.figure
    assert len(ax.lines) == 2 and len(ax.images) == 1
    np.testing.assert_allclose(ax.lines[1].get_xydata(), covariance_ellipse(MEAN, FULL, 2.0))
    plt.close(fig)


def test_plot_gaussian_2d_draws_the_given_samples_and_refuses_bad_ones():
    samples = np.random.default_rng(0).normal(size=(30, 2))
    fig = plot_gaussian_2d(MEAN, FULL, samples=samples)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), samples)
    with pytest.raises(ValueError, match=r"samples must have shape \(N, 2\)"):
        plot_gaussian_2d(MEAN, FULL, samples=np.zeros((30, 3)))
    plt.close("all")


def test_plot_normal_densities_draws_tfp_normal_densities():
    params = [(0.0, 1.0), (1.5, 0.5), (-1.0, 2.0)]
    grid = np.linspace(-5, 5, 101)
    fig = plot_normal_densities(params, grid=grid)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and (ax.get_xlabel(), ax.get_ylabel()) == ("z", "density")
    for line, (mu, sigma) in zip(ax.lines, params, strict=True):
        np.testing.assert_allclose(line.get_ydata(), tfd.Normal(mu, sigma).prob(grid).numpy(), rtol=1e-5)
        assert line.get_label() == f"μ = {mu}, σ = {sigma}"
    assert plot_normal_densities(ax=ax) is ax.figure
    assert len(ax.lines[3].get_xdata()) == 401  # the default grid
    for bad in ([], [(0.0, 0.0)], [(0.0, -1.0)], [(0.0,)]):
        with pytest.raises(ValueError, match="sigma > 0"):
            plot_normal_densities(bad)
    plt.close("all")
