"""Lesson 04's pictures (vae_course.demos.gradient_pictures), against numpy references."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from vae_course.demos import gradient_estimators, gradient_pictures
from vae_course.distributions import sample_eps



def test_fixed_noise_gives_straight_paths_and_fresh_noise_follows_the_seed():
    eps, mus = np.array([-1.0, 0.2, 1.5]), np.linspace(0.0, 3.0, 7)
    fig = gradient_pictures.plot_fixed_vs_fresh_noise(eps, mus, std=0.5, seed=7)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    paths, fresh = fig.axes
    assert [line.get_ydata().tolist() for line in paths.lines] == [(mus + 0.5 * e).tolist() for e in eps]
    rng = np.random.default_rng(7)
    expected = [rng.normal(mus, 0.5) for _ in eps]
    for line, row in zip(fresh.lines, expected, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), mus)
        np.testing.assert_array_equal(line.get_ydata(), row)
        assert line.get_linestyle() == "None"  # dots, no path between them
    assert paths.get_ylabel() == "z" and paths.get_shared_y_axes().joined(paths, fresh)
    assert "0.5^2" in fig._suptitle.get_text()


def test_fixed_vs_fresh_noise_continues_a_given_generator_and_refuses_bad_input():
    eps, mus = np.array([0.0, 1.0]), np.linspace(0.0, 1.0, 5)
    rng = np.random.default_rng(3)
    rng.normal()  # a generator already used elsewhere
    fig = gradient_pictures.plot_fixed_vs_fresh_noise(eps, mus, seed=rng)
    reference = np.random.default_rng(3)
    reference.normal()
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), reference.normal(mus, 0.5))
    with pytest.raises(ValueError, match=r"eps must have shape \(L,\)"):
        gradient_pictures.plot_fixed_vs_fresh_noise(np.zeros((2, 2)), mus)
    with pytest.raises(ValueError, match="std must be positive"):
        gradient_pictures.plot_fixed_vs_fresh_noise(eps, mus, std=0.0)


def test_gradient_histograms_show_each_density_and_the_share_off_axis():
    rng = np.random.default_rng(0)
    samples = {"narrow": rng.normal(6.0, 1.0, 5000), "wide": rng.normal(6.0, 40.0, 5000)}
    bins = np.linspace(-20, 100, 121)
    fig = gradient_pictures.plot_gradient_histograms(samples, 6.0, bins=bins, true_label="truth")
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for name, g in samples.items():
        outside = np.mean((g < -20) | (g > 100))
        assert f"{name} ({outside:.1%} off-axis)" in labels
    assert "truth" in labels
    for patch, g in zip(ax.patches, samples.values(), strict=True):
        heights = np.histogram(g, bins=bins, density=True)[0]
        assert patch.get_xy()[:, 1].max() == pytest.approx(heights.max())
    vertical = [line for line in ax.lines if line.get_label() == "truth"][0]
    assert list(vertical.get_xdata()) == [6.0, 6.0]


def test_gradient_histograms_refuse_empty_or_badly_shaped_samples():
    with pytest.raises(ValueError, match="samples is empty"):
        gradient_pictures.plot_gradient_histograms({}, 0.0)
    with pytest.raises(ValueError, match=r"samples\['a'\] must have shape \(N,\)"):
        gradient_pictures.plot_gradient_histograms({"a": np.zeros((3, 2))}, 0.0)


def test_estimator_variances_match_numpy_per_sample_formulas():
    mu, sigma, ns, repeats = 1.5, 0.5, [1, 8], 50
    estimators = {"reparameterization": (gradient_estimators.reparameterization_gradients, {}),
                  "score function + baseline": (gradient_estimators.score_function_gradients, {"baseline": 2.5})}
    got = gradient_pictures.estimator_variances(estimators, tf.square, mu, sigma, ns, repeats=repeats, seed=4)
    for k, n in enumerate(ns):
        eps = sample_eps([repeats * n], (4, k)).numpy().astype(np.float64).reshape(repeats, n)  # the same noise
        z = mu + sigma * eps
        reparam = (2.0 * z).mean(axis=1)  # f'(z) = 2z
        score = ((z ** 2 - 2.5) * (z - mu) / sigma ** 2).mean(axis=1)  # (f(z) - b) d/dmu log N(z; mu, sigma^2)
        assert got["reparameterization"][k] == pytest.approx(np.var(reparam), rel=1e-4)
        assert got["score function + baseline"][k] == pytest.approx(np.var(score), rel=1e-4)


def test_variance_plot_draws_measured_dots_and_closed_form_dashes():
    ns = [1, 4, 16]
    variances = {"a": [4.0, 1.1, 0.26], "b": [90.0, 20.0, 6.0]}
    fig = gradient_pictures.plot_variance_vs_samples(ns, variances, {"a": 4.0, "b": 88.0})
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    dots, dashes = ax.lines[0::2], ax.lines[1::2]
    assert [d.get_ydata().tolist() for d in dots] == [variances["a"], variances["b"]]
    assert [d.get_ydata().tolist() for d in dashes] == [[4.0, 1.0, 0.25], [88.0, 22.0, 5.5]]
    assert all(d.get_linestyle() == "--" for d in dashes)
    assert ax.get_xlabel() == "samples per estimate N"


def test_variance_plot_refuses_mismatched_names_or_lengths():
    with pytest.raises(ValueError, match="name the same estimators"):
        gradient_pictures.plot_variance_vs_samples([1, 2], {"a": [1.0, 0.5]}, {"b": 1.0})
    with pytest.raises(ValueError, match="has 1 values for 2 sample counts"):
        gradient_pictures.plot_variance_vs_samples([1, 2], {"a": [1.0]}, {"a": 1.0})
