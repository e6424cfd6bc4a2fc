"""What ``vae-course figures`` draws from: MNIST, the shipped models, and numbers several figures share.

Everything is loaded or computed once, on first use, so drawing a subset of the figures only loads
what that subset needs.
"""
from __future__ import annotations

import functools

import numpy as np

from vae_course.data import load_mnist
from vae_course.demos import elbo_pictures
from vae_course.models import reconstruction_distribution
from vae_course.preprocessing import binarize
from vae_course.pretrained import load_pretrained, pretrained_info

__all__ = ["Inputs"]


class Inputs:
    """What the figures draw from, loaded once and on first use."""

    def __init__(self, data_dir=None):
        self.data_dir = data_dir  # folder of the MNIST .gz files; None: $VAE_COURSE_DATA, then download
        self._models = {}  # latent_dim -> the shipped CVAE

    @functools.cached_property
    def _mnist(self):
        return load_mnist(self.data_dir)  # ((60000, 28, 28) uint8, labels), ((10000, 28, 28) uint8, labels)

    @property
    def _test(self):
        return self._mnist[1]

    @property
    def train_images(self):
        return self._mnist[0][0]  # (60000, 28, 28) uint8

    @property
    def test_images(self):
        return self._test[0]  # (10000, 28, 28) uint8

    @property
    def test_labels(self):
        return self._test[1]  # (10000,) int

    @functools.cached_property
    def x_test(self):
        return binarize(self.test_images)  # (10000, 28, 28, 1) float32 in {0, 1}

    @functools.cached_property
    def first_digits(self):
        """x of the first test 0, 1, ..., 9 (lessons 05, 06)."""
        return self.x_test[[int(np.flatnonzero(self.test_labels == d)[0]) for d in range(10)]]  # (10, 28, 28, 1)

    @functools.cached_property
    def decoded_first_digits(self):
        """(x_logits, p(x|z)) of :attr:`first_digits` at their encoder means, shipped latent-2 model (lesson 05)."""
        px_z = reconstruction_distribution(self.model(2), self.first_digits)  # z = the encoder means
        return px_z.distribution.logits, px_z  # x_logits (10, 28, 28, 1)

    @functools.cached_property
    def elbo_draws(self):
        """latent_dim -> (mc, analytic) ELBO draws (100, 40) of the first 100 test digits, seeds (D, s) (lesson 06)."""
        return {d: elbo_pictures.elbo_draws(self.model(d), self.x_test[:100], 40, seed=d) for d in (2, 32)}

    @functools.cached_property
    def latent_means(self):
        """Encoder means of the first 5,000 test digits under the shipped latent-2 model (lesson 09)."""
        x = self.x_test[:5000]  # (5000, 28, 28, 1)
        return np.concatenate([self.model(2).encode(x[i:i + 1000])[0].numpy() for i in range(0, 5000, 1000)])

    def model(self, latent_dim: int):
        if latent_dim not in self._models:
            self._models[latent_dim] = load_pretrained(latent_dim)
        return self._models[latent_dim]

    @property
    def shipped_gif(self) -> bytes:
        """The shipped latent-2 run's samples.gif: one grid of decoded prior samples per epoch."""
        from importlib import resources

        return (resources.files("vae_course.pretrained") / "cvae_latent2_samples.gif").read_bytes()

    @functools.cached_property
    def metrics(self):
        """The shipped latent-2 run's metrics.csv, as the list of dicts plot_training_curves takes."""
        header, *rows = pretrained_info(2)["metrics"].strip().splitlines()
        return [dict(zip(header.split(","), map(float, row.split(",")))) for row in rows]
