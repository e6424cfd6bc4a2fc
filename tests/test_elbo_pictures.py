"""Lesson 06's ELBO pictures (vae_course.demos.elbo_pictures), against numpy references on a tiny linear model."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from vae_course.demos import elbo_pictures
from vae_course.distributions import sample_eps
from vae_course.losses import model_iwae_bound



class LinearModel:
    """encode: mean = x-summary @ A, logvar fixed per dimension; decode: logits = z @ W + b (784 pixels)."""

    def __init__(self, latent_dim=2, seed=0):
        rng = np.random.default_rng(seed)
        self.A = rng.normal(0, 0.02, (784, latent_dim)).astype(np.float32)
        self.logvar = rng.normal(-1.0, 0.3, latent_dim).astype(np.float32)
        self.W = rng.normal(0, 1.0, (latent_dim, 784)).astype(np.float32)
        self.b = rng.normal(0, 1.0, 784).astype(np.float32)

    def encode(self, x):
        mean = tf.reshape(tf.convert_to_tensor(x, tf.float32), (-1, 784)) @ self.A  # (N, D)
        return mean, tf.tile(self.logvar[None], (tf.shape(mean)[0], 1))

    def decode(self, z):
        return tf.reshape(tf.convert_to_tensor(z, tf.float32) @ self.W + self.b, (-1, 28, 28, 1))


def _images(n=6, seed=1):
    return (np.random.default_rng(seed).random((n, 28, 28, 1)) < 0.3).astype(np.float32)


def _np_log_px_z(model, x, z):
    logits = (z @ model.W.astype(np.float64) + model.b)  # (N, 784)
    x = x.reshape(len(x), 784)
    return np.sum(x * -np.logaddexp(0, -logits) + (1 - x) * -np.logaddexp(0, logits), axis=1)


def _np_log_normal(z, mean, logvar):
    return np.sum(-0.5 * (np.log(2 * np.pi) + logvar + (z - mean) ** 2 / np.exp(logvar)), axis=1)


def test_elbo_draws_match_numpy_single_sample_and_analytic_elbo():
    model, x = LinearModel(), _images()
    mc, an = elbo_pictures.elbo_draws(model, x, 3, seed=5)
    assert mc.shape == an.shape == (6, 3) and mc.dtype == np.float64
    mean = x.reshape(6, 784).astype(np.float64) @ model.A
    logvar = np.tile(model.logvar.astype(np.float64), (6, 1))
    kl = 0.5 * np.sum(np.exp(logvar) + mean ** 2 - 1 - logvar, axis=1)
    for s in range(3):
        z = mean + np.exp(0.5 * logvar) * sample_eps(mean.shape, seed=(5, s)).numpy()
        log_px_z = _np_log_px_z(model, x, z)
        np.testing.assert_allclose(mc[:, s], log_px_z + _np_log_normal(z, 0, 0) - _np_log_normal(z, mean, logvar),
                                   rtol=1e-4)
        np.testing.assert_allclose(an[:, s], log_px_z - kl, rtol=1e-4)


def test_digit_costs_match_numpy_and_sum_to_minus_the_analytic_elbo():
    model, x = LinearModel(), _images()
    rec_cost, kl = elbo_pictures.digit_costs(model, x, 4, seed=7)
    mean = x.reshape(6, 784).astype(np.float64) @ model.A
    logvar = np.tile(model.logvar.astype(np.float64), (6, 1))
    draws = [_np_log_px_z(model, x, mean + np.exp(0.5 * logvar) * sample_eps(mean.shape, seed=(7, s)).numpy())
             for s in range(4)]
    np.testing.assert_allclose(rec_cost, -np.mean(draws, axis=0), rtol=1e-4)
    np.testing.assert_allclose(kl, 0.5 * np.sum(np.exp(logvar) + mean ** 2 - 1 - logvar, axis=1), rtol=1e-4)
    with pytest.raises(ValueError, match="n_draws"):
        elbo_pictures.digit_costs(model, x, 0, seed=7)


def test_iwae_bounds_average_the_chunks_with_the_documented_seeds():
    model, x = LinearModel(), _images(n=5)
    got = elbo_pictures.iwae_bounds(model, x, [1, 3], chunk=2)
    for value, k in zip(got, [1, 3], strict=True):
        per_image = np.concatenate([model_iwae_bound(model, x[j:j + 2], k, seed=(k, j)) for j in (0, 2, 4)])  # (5,)
        assert value == pytest.approx(float(np.mean(per_image)), rel=1e-6)
    with pytest.raises(ValueError, match="chunk"):
        elbo_pictures.iwae_bounds(model, x, [1], chunk=0)


def test_estimator_spread_scatters_the_per_digit_stds():
    rng = np.random.default_rng(0)
    an, mc = rng.normal(0, 1, (8, 5)), rng.normal(0, 3, (8, 5))
    fig = elbo_pictures.plot_estimator_spread({"D = 2": (an, mc)})
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.stack([an.std(axis=1), mc.std(axis=1)], axis=1))
    diagonal = ax.lines[0]
    assert diagonal.get_label() == "equal spread" and list(diagonal.get_ydata()) == [0, mc.std(axis=1).max()]
    assert ax.get_xlabel().startswith("std of the analytic") and ax.get_ylabel().startswith("std of the single")
    with pytest.raises(ValueError, match=r"same shape \(N, S\) with S >= 2"):
        elbo_pictures.plot_estimator_spread({"D = 2": (an, mc[:, :3])})
    with pytest.raises(ValueError, match=r"with S >= 2 draws"):  # one draw has no spread
        elbo_pictures.plot_estimator_spread({"D = 2": (an[:, :1], mc[:, :1])})
    with pytest.raises(ValueError, match="estimates is empty"):
        elbo_pictures.plot_estimator_spread({})


def test_digit_cost_bars_stack_kl_on_the_reconstruction_cost():
    x = _images(n=4)
    costs = {"D = 2": (np.array([90.0, 30.0, 100.0, 80.0]), np.array([6.0, 5.0, 7.0, 6.5])),
             "D = 32": (np.array([60.0, 20.0, 70.0, 50.0]), np.array([25.0, 12.0, 30.0, 20.0]))}
    fig = elbo_pictures.plot_digit_costs(x, costs)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    digits, *panels = fig.axes
    assert digits.images[0].get_array().shape == (28, 4 * 29 - 1)
    for ax, (label, (rec, kl)) in zip(panels, costs.items(), strict=True):
        rec_bars, kl_bars = ax.containers
        assert [b.get_height() for b in rec_bars] == pytest.approx(rec)
        assert [b.get_height() for b in kl_bars] == pytest.approx(kl)
        assert [b.get_y() for b in kl_bars] == pytest.approx(rec)  # stacked: KL starts where reconstruction ends
        assert ax.get_ylim() == pytest.approx((0, 107.0 * 1.05))  # one shared range: the largest -ELBO + 5 %
        assert ax.get_title().startswith(label)
    with pytest.raises(ValueError, match=r"arrays of shape \(4,\)"):
        elbo_pictures.plot_digit_costs(x, {"D = 2": (np.ones(3), np.ones(3))})


def test_bound_gap_plot_draws_l_k_minus_elbo_and_refuses_mismatches():
    ks = [1, 5, 50]
    fig = elbo_pictures.plot_bound_gap_vs_k(ks, {"a": [-100.0, -98.0, -97.0]}, {"a": -101.0}, n_images=20)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert ax.lines[0].get_ydata().tolist() == [1.0, 3.0, 4.0]
    assert ax.get_xscale() == "log" and "mean over 20 digits" in ax.get_ylabel()
    with pytest.raises(ValueError, match="one per K"):
        elbo_pictures.plot_bound_gap_vs_k(ks, {"a": [-100.0]}, {"a": -101.0})
    with pytest.raises(ValueError, match="one per K"):
        elbo_pictures.plot_bound_gap_vs_k(ks, {"a": [-100.0, -98.0, -97.0]}, {"b": -101.0})
