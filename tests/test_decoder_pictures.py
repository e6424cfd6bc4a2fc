"""Lesson 05's pictures of p(x|z) (vae_course.demos.decoder_pictures), against numpy references."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from vae_course.demos import decoder_pictures



def _decoded(n=4, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, (n, 28, 28, 1)).astype(np.float32)
    mean = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    sample = (rng.random(logits.shape) < mean).astype(np.float32)
    return logits, mean, sample


def _numpy_bernoulli_log_prob(x, logits):
    """sum over pixels of x log σ(ℓ) + (1 − x) log(1 − σ(ℓ)), in float64."""
    logits = logits.astype(np.float64)
    return np.sum(x * -np.logaddexp(0.0, -logits) + (1 - x) * -np.logaddexp(0.0, logits), axis=(1, 2, 3))


def test_decoder_panels_show_logits_mean_and_sample_of_one_image():
    logits, mean, sample = _decoded()
    fig = decoder_pictures.plot_decoder_panels(logits[1], mean[1], sample[1])
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert len(panels) == 3 and len(fig.axes) == 6  # three images and their colorbars
    for ax, expected in zip(panels, (logits[1], mean[1], sample[1])):
        np.testing.assert_allclose(ax.images[0].get_array(), expected[..., 0], rtol=1e-6)
    assert "logits" in panels[0].get_title() and "mean" in panels[1].get_title() and "sample" in panels[2].get_title()
    norm = panels[0].images[0].norm
    assert norm.vcenter == 0.0 and norm.vmin == pytest.approx(logits[1].min()) and norm.vmax == pytest.approx(
        logits[1].max())
    assert (panels[1].images[0].norm.vmin, panels[1].images[0].norm.vmax) == (0, 1)


def test_decoder_panels_draw_into_a_given_figure_and_refuse_a_batch_or_one_sided_logits():
    logits, mean, sample = _decoded()
    fig = plt.figure()
    assert decoder_pictures.plot_decoder_panels(logits[0, ..., 0], mean[0], sample[0], fig=fig) is fig
    with pytest.raises(ValueError, match=r"one image of shape \(28, 28, 1\).*x_logits\[i\]"):
        decoder_pictures.plot_decoder_panels(logits, mean[0], sample[0])
    with pytest.raises(ValueError, match="x_sample must be one image"):
        decoder_pictures.plot_decoder_panels(logits[0], mean[0], sample[:2])
    with pytest.raises(ValueError, match="both sides of 0"):
        decoder_pictures.plot_decoder_panels(np.abs(logits[0]) + 1.0, mean[0], sample[0])


def test_mean_and_samples_tile_the_mean_first_then_each_sample():
    logits, mean, sample = _decoded(n=5)
    (ax,) = decoder_pictures.plot_mean_and_samples(mean[0], sample).axes
    grid = ax.images[0].get_array()
    assert grid.shape == (28, 6 * 29 - 1)  # one row of 6 tiles with 1-pixel separators
    expected = [mean[0]] + list(sample)
    for k, img in enumerate(expected):
        np.testing.assert_array_equal(grid[:, k * 29:k * 29 + 28], np.round(img[..., 0] * 255).astype(np.uint8))
    assert ax.get_title() == "mean (first) and 5 samples of p(x|z), same z"
    assert decoder_pictures.plot_mean_and_samples(mean[:1], sample, ax=ax) is ax.figure  # (1, 28, 28, 1) accepted


def test_mean_and_samples_refuse_bad_shapes():
    logits, mean, sample = _decoded()
    with pytest.raises(ValueError, match=r"samples must have shape \(S, 28, 28, 1\)"):
        decoder_pictures.plot_mean_and_samples(mean[0], sample[0])
    with pytest.raises(ValueError, match="x_mean must be one image"):
        decoder_pictures.plot_mean_and_samples(mean[:2], sample)


def test_code_image_scores_match_numpy_for_every_code_and_image():
    logits, mean, sample = _decoded(n=4, seed=1)
    scores = decoder_pictures.code_image_scores(sample, logits)
    assert scores.shape == (4, 4)
    for i in range(4):
        expected = _numpy_bernoulli_log_prob(sample, np.repeat(logits[i:i + 1], 4, axis=0))
        np.testing.assert_allclose(scores[i], expected, rtol=1e-4)
    with pytest.raises(ValueError, match=r"both have shape \(N, 28, 28, 1\)"):
        decoder_pictures.code_image_scores(sample[:3], logits)


def test_code_scores_show_each_image_relative_to_its_own_code():
    rng = np.random.default_rng(2)
    scores = rng.normal(-150.0, 60.0, (6, 6))
    fig = decoder_pictures.plot_code_scores(scores)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown, scores - np.diag(scores)[None, :])
    np.testing.assert_array_equal(np.diag(shown), 0.0)
    norm = ax.images[0].norm
    assert (norm.vmin, norm.vcenter, norm.vmax) == (-400.0, 0.0, 50.0)
    assert ax.get_xlabel().startswith("image") and ax.get_ylabel().startswith("code")
    assert "clipped at $-400$" in ax.get_title()
    assert len(ax.figure.axes) == 2  # the matrix and its colorbar


def test_code_scores_refuse_non_square_or_non_finite_scores_and_a_bad_scale():
    for bad in (np.zeros((3, 4)), np.zeros(3), np.array([[0.0, np.nan], [0.0, 0.0]])):
        with pytest.raises(ValueError, match="square"):
            decoder_pictures.plot_code_scores(bad)
    with pytest.raises(ValueError, match="vmin < 0 < vmax"):
        decoder_pictures.plot_code_scores(np.zeros((3, 3)), vmin=10, vmax=50)


def test_the_gaussian_scale_picture_peaks_where_the_closed_form_says():
    import math

    import matplotlib.pyplot as plt

    from vae_course.demos.decoder_pictures import plot_gaussian_scale

    fig = plot_gaussian_scale(36.5, marks=(1.0,))
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    (curve,) = ax.get_lines()[:1]
    s, y = curve.get_xdata(), curve.get_ydata()
    assert s[np.argmax(y)] == pytest.approx(math.sqrt(36.5 / 784), rel=0.03)  # d/ds = 0 at s^2 = SSE/n
    best_line = ax.get_lines()[1]  # the dashed line at the best s
    assert best_line.get_xdata()[0] == pytest.approx(math.sqrt(36.5 / 784), rel=1e-9)
    at_one = -36.5 / 2 - 392 * math.log(2 * math.pi)  # by hand, s = 1
    assert any(f"{at_one:.1f}" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="positive"):
        plot_gaussian_scale(0.0)
    plt.close("all")
