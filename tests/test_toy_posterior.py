"""Tests of vae_course.demos.toy_posterior and demos.objective_pictures (lesson 00).

References: Monte Carlo over the prior for the evidence, closed-form Gaussian KL divergences,
and a Gaussian target whose best Gaussian fit is itself in both directions.
"""
import math

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
import numpy as np
import pytest

from vae_course.demos import toy_posterior as toy
from vae_course.demos.objective_pictures import plot_kl_fits, plot_prior_decodes, plot_toy_posterior


def _kl_gauss(m1, s1, m2, s2):  # KL(N(m1, s1^2) || N(m2, s2^2)), closed form
    return math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def test_the_evidence_matches_a_monte_carlo_average_over_the_prior():
    rng = np.random.default_rng(0)
    z = rng.normal(size=2_000_000)
    for x in (0.5, 1.5, 3.0):
        mc = np.mean(np.exp(-0.5 * (x - z**2) ** 2 / 0.25) / math.sqrt(2 * math.pi * 0.25))
        assert toy.grid_posterior(x)["log_evidence"] == pytest.approx(math.log(mc), abs=5e-3)


def test_the_posterior_is_a_normalised_two_mode_density():
    post = toy.grid_posterior(1.5)
    dz = post["grid"][1] - post["grid"][0]
    assert np.sum(post["posterior"]) * dz == pytest.approx(1.0, abs=1e-9)
    right = post["grid"] > 0
    peak = post["grid"][right][np.argmax(post["posterior"][right])]
    assert 1.0 < peak < 1.3  # near sqrt(1.5), pulled in by the prior
    np.testing.assert_allclose(post["posterior"], post["posterior"][::-1], rtol=1e-9)  # symmetric in z


def test_kl_on_the_grid_is_the_closed_form_and_asymmetric():
    grid = np.linspace(-10.0, 10.0, 4001)  # wide enough that no mass is cut off
    p, q = toy.gaussian_on_grid(grid, 0.3, 0.5), toy.gaussian_on_grid(grid, -0.2, 0.9)
    assert toy.kl_on_grid(p, q, grid) == pytest.approx(_kl_gauss(0.3, 0.5, -0.2, 0.9), abs=1e-6)
    assert toy.kl_on_grid(q, p, grid) == pytest.approx(_kl_gauss(-0.2, 0.9, 0.3, 0.5), abs=1e-6)


@pytest.mark.parametrize("divergence", ["reverse", "forward"])
def test_a_gaussian_target_is_its_own_best_fit(divergence):
    grid = toy.DEFAULT_GRID
    mean, std = toy.fit_gaussian(toy.gaussian_on_grid(grid, 0.5, 0.4), grid, divergence)
    assert mean == pytest.approx(0.5, abs=0.02) and std == pytest.approx(0.4, rel=0.03)


def test_reverse_seeks_a_mode_and_forward_covers_both():
    post = toy.grid_posterior(1.5)
    m_r, s_r = toy.fit_gaussian(post["posterior"], post["grid"], "reverse")
    m_f, s_f = toy.fit_gaussian(post["posterior"], post["grid"], "forward")
    assert abs(m_r) > 0.9 and s_r < 0.4  # on one mode
    assert abs(m_f) < 1e-6 and s_f > 1.0  # between the modes, wide


def test_elbo_plus_gap_is_the_log_evidence_and_the_elbo_is_below_it():
    post = toy.grid_posterior(3.0)
    for mean, std in ((1.7, 0.15), (0.0, 1.0), (-1.0, 0.5)):
        elbo = toy.elbo_on_grid(3.0, mean, std)
        gap = toy.kl_on_grid(toy.gaussian_on_grid(post["grid"], mean, std), post["posterior"], post["grid"])
        assert elbo < post["log_evidence"]
        assert elbo + gap == pytest.approx(post["log_evidence"], abs=1e-3)  # q's mass beyond the grid


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="evenly spaced"):
        toy.grid_posterior(1.0, grid=[0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="noise_std"):
        toy.log_likelihood(1.0, 0.0, noise_std=0.0)
    with pytest.raises(ValueError, match="divergence"):
        toy.fit_gaussian(np.ones(801), toy.DEFAULT_GRID, "both")


class _Doubler:  # a stand-in model: decodes z to an image whose brightness is sigmoid(z_0)
    latent_dim = 3

    def decode(self, z, apply_sigmoid=False):
        import tensorflow as tf

        return tf.sigmoid(tf.ones((z.shape[0], 28, 28, 1)) * z[:, :1, None, None])


def test_the_pictures_draw_what_they_promise():
    post = toy.grid_posterior(1.5)
    fig = plot_toy_posterior(post, q=(1.1, 0.2), x=1.5)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 4 and "x = 1.5" in ax.get_title()
    fig = plot_kl_fits(post["grid"], post["posterior"], (1.1, 0.2), (0.0, 1.1))
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3
    fig = plot_prior_decodes({"a": _Doubler(), "b": _Doubler()}, n=4, seed=0)
    assert len(fig.axes) == 8 and fig.axes[0].get_ylabel() == "a" and fig.axes[4].get_ylabel() == "b"
    other = _Doubler()
    other.latent_dim = 2
    with pytest.raises(ValueError, match="latent_dim"):
        plot_prior_decodes({"a": _Doubler(), "b": other})
    plt.close("all")


def test_the_jensen_picture_shows_the_gap_of_log_mean_over_mean_log():
    from vae_course.demos.objective_pictures import plot_jensen_gap

    w = np.array([0.5, 4.0])
    fig = plot_jensen_gap(w)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    gap = math.log(2.25) - 0.5 * (math.log(0.5) + math.log(4.0))  # log E[w] - E[log w], by hand
    assert any(t.get_text() == f"gap {gap:.3f}" for t in ax.texts)
    assert gap > 0
    with pytest.raises(ValueError, match="positive"):
        plot_jensen_gap([1.0, -1.0])
    plt.close("all")
