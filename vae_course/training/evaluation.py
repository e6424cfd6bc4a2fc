"""Test-set evaluation during and after training, compiled once per run (lessons 08 and 10).

The per-epoch test ELBO and the final bounds use the same estimators as
:func:`vae_course.losses.evaluate`: image j of the test set gets row j of
``sample_eps((N, D), seed)`` for the ELBO, and IWAE batch i draws its samples from the stateless
seed (seed, i). Here the forward passes are traced once per run instead of once per call.

The final importance-weighted bound (K = 100) is estimated on a fixed random subset of n test
images, as a correction to the ELBO of all N images:

    L_K ≈ mean_N(ELBO_j) + mean_n(L_K,j − ELBO_j),   SE = s_gap / √n · √(1 − n/N)

where s_gap is the sample standard deviation of the n per-image gaps (sampling without replacement).
The gap varies far less between images than L_K itself (for the shipped latent-2 model: standard
deviations of 7 and 52 nats), so n = 500 images, K·n = 50,000 decoder passes (a twentieth of the
full set's), give the all-image figure to ±0.3 nats (one standard error): small next to the 5 nats
between the ELBO and the bound, and next to the differences between the course's models.
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from vae_course.distributions import reparameterize, sample_eps
from vae_course.losses import elbo_analytic, iwae_bound

IWAE_SUBSET_SIZE = 500  # test images for the final IWAE bound (see the module docstring)
SUBSET_SEED = 2016  # the subsets are the same for every run, whatever its own seed
IWAE_IMAGES_PER_BATCH = 5000  # K times the images of one IWAE forward pass (memory, not results)

__all__ = ["IWAE_SUBSET_SIZE", "iwae_subset", "subset_correction", "Evaluator"]


def iwae_subset(n_test: int, size: int = IWAE_SUBSET_SIZE) -> np.ndarray:
    """The sorted indices of a fixed random subset of ``min(size, n_test)`` of ``n_test`` test images
    (the IWAE bound's; ``fit`` takes its per-epoch subset with the same rule)."""
    if n_test <= size:
        return np.arange(n_test)
    return np.sort(np.random.default_rng(SUBSET_SEED).choice(n_test, size, replace=False))


def subset_correction(elbo_all, elbo_subset, iwae_subset_values) -> tuple[float, float]:
    """The IWAE mean over all N images estimated from n of them, and its standard error.

    Args:
        elbo_all: (N,) per-image ELBOs of all test images.
        elbo_subset, iwae_subset_values: (n,) per-image ELBO and IWAE bound of the subset's images.

    Returns:
        ``(estimate, standard_error)`` in nats; the standard error is 0 when n == N.
    """
    elbo_all = np.asarray(elbo_all, np.float64)  # (N,)
    elbo_subset, iwae_subset_values = np.asarray(elbo_subset, np.float64), np.asarray(iwae_subset_values, np.float64)
    n, total = len(iwae_subset_values), len(elbo_all)
    if not 1 <= n <= total or elbo_subset.shape != (n,) or iwae_subset_values.shape != (n,) or elbo_all.ndim != 1:
        raise ValueError(f"need 1-D per-image values, 1 <= n <= N, with matching lengths; got N={elbo_all.shape}, "
                         f"subset ELBOs {elbo_subset.shape} and subset IWAE bounds {iwae_subset_values.shape}.")
    gap = iwae_subset_values - elbo_subset  # (n,)
    se = 0.0 if n == total or n == 1 else float(gap.std(ddof=1) / math.sqrt(n) * math.sqrt(1 - n / total))
    return float(elbo_all.mean() + gap.mean()), se


class Evaluator:
    """Per-image ELBO and IWAE values of one model on fixed test images, traced once.

    Args:
        model: a CVAE (evaluated with whatever weights it holds at call time).
        x_test: float32 (N, 28, 28, 1) binary test images.
        seed: the evaluation seed (eps rows, IWAE samples).
        batch_size: images per ELBO forward pass (memory only; results do not depend on it).
    """

    def __init__(self, model, x_test, seed: int, batch_size: int = 2000):
        self.model, self.seed, self.batch_size = model, int(seed), int(batch_size)
        self.x = tf.constant(np.asarray(x_test, np.float32))  # (N, 28, 28, 1)
        self.eps = sample_eps((len(x_test), model.latent_dim), self.seed)  # (N, D): row j for image j
        images = tf.TensorSpec([None, 28, 28, 1], tf.float32)
        self._elbo = tf.function(self._elbo_and_mean,  # one trace for any batch size
                                 input_signature=[images, tf.TensorSpec([None, model.latent_dim], tf.float32)])
        self._iwae_signature = [images, tf.TensorSpec([2], tf.int64)]
        self._iwae = {}

    def _elbo_and_mean(self, x, eps):  # x (B, 28, 28, 1), eps (B, D) -> (B,), (B, D)
        mean, logvar = self.model.encode(x)  # what losses.model_elbo(..., "analytic") computes, plus the means
        x_logits = self.model.decode(reparameterize(mean, logvar, eps))
        return elbo_analytic(x, mean, logvar, x_logits), mean

    def elbo_values(self, indices=None, with_means=False):
        """Per-image ELBOs (analytic KL, 1 sample of z), (N,) or (len(indices),); with ``with_means``
        also the encoder means of the same images, (n, D) (the latent scatter plot needs them)."""
        idx = np.arange(len(self.eps)) if indices is None else np.asarray(indices)
        batches = [idx[i:i + self.batch_size] for i in range(0, len(idx), self.batch_size)]
        out = [self._elbo(tf.gather(self.x, b), tf.gather(self.eps, b)) for b in batches]
        elbo = np.concatenate([o[0].numpy() for o in out])  # (n,)
        return (elbo, np.concatenate([o[1].numpy() for o in out])) if with_means else elbo

    def elbo(self, indices=None) -> float:
        """The mean test ELBO over all images (what ``losses.evaluate`` returns) or over ``indices``."""
        return float(self.elbo_values(indices).astype(np.float64).mean())

    def iwae_values(self, indices, k: int, on_batch=None) -> np.ndarray:
        """(n,) per-image IWAE bounds with ``k`` samples; batch i of ``indices`` uses seed (seed, i).
        ``on_batch(done, total)`` is called after each batch (progress)."""
        if k not in self._iwae:
            self._iwae[k] = tf.function(lambda x, s: iwae_bound(self.model, x, k, s),
                                        input_signature=self._iwae_signature)
        per = max(1, IWAE_IMAGES_PER_BATCH // k)
        idx = np.asarray(indices)
        starts = range(0, len(idx), per)
        out = []
        for i, start in enumerate(starts):
            out.append(self._iwae[k](tf.gather(self.x, idx[start:start + per]),
                                     tf.constant([self.seed, i], tf.int64)).numpy())
            if on_batch is not None:
                on_batch(i + 1, len(starts))
        return np.concatenate(out)
