"""Lesson 09's pictures (vae_course.demos.latent_pictures), with tiny linear models and numpy references."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from vae_course.demos.latent_pictures import plot_latent_paths, plot_reconstructions_by_model



class LinearModel:
    def __init__(self, latent_dim, seed=0):
        rng = np.random.default_rng(seed)
        self.A = rng.normal(0, 0.05, (784, latent_dim)).astype(np.float32)
        self.W = rng.normal(0, 1.0, (latent_dim, 784)).astype(np.float32)

    def encode(self, x):
        mean = tf.reshape(tf.convert_to_tensor(x, tf.float32), (-1, 784)) @ self.A
        return mean, tf.zeros_like(mean)

    def decode(self, z, apply_sigmoid=False):
        logits = tf.reshape(tf.convert_to_tensor(z, tf.float32) @ self.W, (-1, 28, 28, 1))
        return tf.sigmoid(logits) if apply_sigmoid else logits

    def np_mean_image(self, z):
        """sigmoid(z W) in numpy, (n, 28, 28)."""
        return 1.0 / (1.0 + np.exp(-(np.asarray(z, np.float64) @ self.W).reshape(-1, 28, 28)))


def _tiles(grid, n):
    return [grid[:, k * 29:k * 29 + 28] for k in range(n)]


MODELS = {2: LinearModel(2, seed=1), 8: LinearModel(8, seed=2)}


def test_latent_paths_draw_the_2d_path_over_the_codes_and_decode_every_path():
    rng = np.random.default_rng(0)
    mean2, labels = rng.normal(0, 1, (50, 2)), rng.integers(0, 10, 50)
    paths = {"D = 2, linear": (2, np.linspace([-1.0, 0.0], [1.0, 2.0], 5)),
             "D = 8, linear": (8, np.linspace(np.zeros(8), np.ones(8), 5))}
    fig = plot_latent_paths(MODELS, paths, mean2, labels, max_points=30)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    scatter, *rows = fig.axes
    np.testing.assert_allclose(np.stack([scatter.lines[0].get_xdata(), scatter.lines[0].get_ydata()], 1),
                               paths["D = 2, linear"][1])
    assert sum(len(c.get_offsets()) for c in scatter.collections) == 30 and scatter.get_legend() is None
    for ax, (name, (latent_dim, z)) in zip(rows, paths.items(), strict=True):
        assert ax.get_title() == name
        expected = np.round(MODELS[latent_dim].np_mean_image(z) * 255)  # (5, 28, 28)
        for tile, image in zip(_tiles(ax.images[0].get_array(), 5), expected, strict=True):
            np.testing.assert_allclose(tile, image, atol=1)


def test_latent_paths_refuse_a_missing_2d_path_an_unknown_model_or_a_bad_shape():
    mean2, labels = np.zeros((4, 2)), np.arange(4)
    with pytest.raises(ValueError, match="one path must be in the 2-D latent space"):
        plot_latent_paths(MODELS, {"p": (8, np.zeros((3, 8)))}, mean2, labels)
    with pytest.raises(ValueError, match=r"D one of the models \[2, 8\]"):
        plot_latent_paths(MODELS, {"p": (32, np.zeros((3, 32)))}, mean2, labels)
    with pytest.raises(ValueError, match=r"z of shape \(n, D\); got D = 2 and z of shape \(3, 8\)"):
        plot_latent_paths(MODELS, {"p": (2, np.zeros((3, 8)))}, mean2, labels)


def test_reconstructions_by_model_show_inputs_then_each_models_mean_image():
    x = (np.random.default_rng(3).random((4, 28, 28, 1)) < 0.3).astype(np.float32)
    fig = plot_reconstructions_by_model(x, MODELS)
    assert len(fig.axes) == 3
    assert [ax.get_ylabel() for ax in fig.axes] == ["input x", "D = 2", "D = 8"]
    for tile, image in zip(_tiles(fig.axes[0].images[0].get_array(), 4), x[..., 0], strict=True):
        np.testing.assert_array_equal(tile, image * 255)
    for ax, model in zip(fig.axes[1:], MODELS.values(), strict=True):
        codes = x.reshape(4, 784).astype(np.float64) @ model.A  # the encoder means
        for tile, image in zip(_tiles(ax.images[0].get_array(), 4), model.np_mean_image(codes), strict=True):
            np.testing.assert_allclose(tile, np.round(image * 255), atol=1)


def test_reconstructions_by_model_refuse_bad_input():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 28, 28, 1\)"):
        plot_reconstructions_by_model(np.zeros((4, 28, 28)), MODELS)
    with pytest.raises(ValueError, match="models is empty"):
        plot_reconstructions_by_model(np.zeros((4, 28, 28, 1)), {})
