"""Tests of vae_course.demos.pixel_stats against loops, tfp entropies and hand-made images."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow_probability as tfp

from vae_course.demos.pixel_stats import binarization_entropy, grey_fraction, pixel_value_counts, plot_pixel_histogram


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)


def test_pixel_value_counts_matches_a_loop(images):
    counts = pixel_value_counts(images)
    assert counts.shape == (256,) and counts.dtype == np.int64
    expected = np.array([(images == v).sum() for v in range(256)])
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == images.size
    np.testing.assert_array_equal(pixel_value_counts(images[..., None]), counts)  # (N, 28, 28, 1) works too


def test_grey_fraction_on_a_hand_made_image():
    image = np.zeros((1, 28, 28), np.uint8)
    image[0, 0, :10] = 255  # ink: not grey
    image[0, 1, :7] = 128  # grey
    image[0, 2, :3] = 25  # 25/255 = 0.098 < 0.1: not grey
    image[0, 2, 3:5] = 26  # 26/255 = 0.102: grey
    image[0, 3, :2] = 230  # 230/255 = 0.902: not grey
    assert grey_fraction(image) == pytest.approx(9 / 784)
    assert grey_fraction(image, low=0.0, high=1.0) == pytest.approx(14 / 784)  # every value strictly inside (0, 1)


def test_grey_fraction_matches_direct_count(images):
    p = images / 255.0
    assert grey_fraction(images, 0.2, 0.7) == pytest.approx(((p > 0.2) & (p < 0.7)).mean())


def test_binarization_entropy_matches_tfp(images):
    p = images.astype(np.float64) / 255.0
    expected = tfp.distributions.Bernoulli(probs=p).entropy().numpy().sum(axis=(1, 2))
    got = binarization_entropy(images)
    assert got.shape == (5,)
    np.testing.assert_allclose(got, expected, rtol=1e-6)  # tfp computes in float32


def test_binarization_entropy_is_zero_for_binary_and_maximal_at_one_half():
    binary = np.where(np.random.default_rng(1).random((2, 28, 28)) < 0.3, 255, 0).astype(np.uint8)
    np.testing.assert_array_equal(binarization_entropy(binary), 0.0)  # no NaN from 0·log 0
    half = np.full((1, 28, 28), 128, np.uint8)  # p = 128/255, close to 1/2
    p = 128 / 255
    assert binarization_entropy(half)[0] == pytest.approx(784 * -(p * np.log(p) + (1 - p) * np.log(1 - p)))
    assert binarization_entropy(half)[0] < 784 * np.log(2)


@pytest.mark.parametrize("bad, error", [
    (np.zeros((2, 28, 28), np.float32), TypeError),
    ([[0] * 28] * 28, TypeError),
    (np.zeros((28, 28), np.uint8), ValueError),
    (np.zeros((2, 28, 27), np.uint8), ValueError),
    (np.zeros((0, 28, 28), np.uint8), ValueError),
])
def test_bad_images_are_refused(bad, error):
    with pytest.raises(error, match="images"):
        pixel_value_counts(bad)


def test_grey_fraction_refuses_bad_bounds(images):
    with pytest.raises(ValueError, match="low < high"):
        grey_fraction(images, 0.9, 0.1)


def test_plot_pixel_histogram_draws_256_bars(images):
    fig, ax = plt.subplots()
    assert plot_pixel_histogram(images, ax=ax) is ax.figure
    heights = [b.get_height() for b in ax.patches if b.get_width() == 1.0]
    assert len(heights) == 256
    np.testing.assert_allclose(heights, np.maximum(pixel_value_counts(images), 0.5))
    assert ax.get_yscale() == "log"
    plt.close(fig)
