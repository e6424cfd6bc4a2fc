"""The package's one test-set evaluator, compiled once per model (lessons 06, 08 and 10).

Two named bounds, each a mean over the N images of a test set, in nats per image:

- :func:`mean_elbo`: the ELBO of :func:`vae_course.losses.model_elbo`; image j gets row j of
  ``sample_eps((N, D), seed)``, so the value does not depend on the batch size.
- :func:`mean_iwae_bound`: the importance-weighted bound of :func:`vae_course.losses.model_iwae_bound`;
  batch i of ``images_per_batch`` images draws its K samples from the stateless seed (seed, i).

Both use :class:`Evaluator`, whose forward passes are traced once; training uses it directly, per
epoch on a fixed subset of the test images (:func:`evaluation_subset`) and at the end on all of them.

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

from vae_course.contracts import ESTIMATORS, positive_int
from vae_course.distributions import sample_eps
from vae_course.losses import model_iwae_bound, model_elbo
from vae_course.training.progress import ProgressBar

IWAE_SUBSET_SIZE = 500  # test images for the final IWAE bound (see the module docstring)
SUBSET_SEED = 2016  # the subsets are the same for every run, whatever its own seed
IWAE_IMAGES_PER_BATCH = 5000  # K times the images of one IWAE forward pass (memory, not results)

__all__ = ["IWAE_SUBSET_SIZE", "evaluation_subset", "subset_correction", "Evaluator", "mean_elbo", "mean_iwae_bound",
           "final_bounds"]


def evaluation_subset(n_test: int, size: int = IWAE_SUBSET_SIZE) -> np.ndarray:
    """The sorted indices of a fixed random subset of ``min(size, n_test)`` of ``n_test`` test images.

    The same for every run: the final IWAE bound's 500 images (the default ``size``) and ``fit``'s
    per-epoch ELBO images (``size=config.epoch_test_images``).
    """
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


def _checked_images(x) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype != np.float32:
        raise TypeError(f"x must be float32 of shape (N, 28, 28, 1) with values 0 and 1, got dtype {x.dtype}; "
                        "use vae_course.preprocessing.binarize(images).")
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) == 0:
        raise ValueError(f"x must have shape (N, 28, 28, 1) with N >= 1, got {x.shape}.")
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("x must hold only 0 and 1 (binarized pixels); use vae_course.preprocessing.binarize(images).")
    return x


class Evaluator:
    """Per-image ELBO and IWAE values of one model on fixed test images, traced once.

    Args:
        model: a CVAE (evaluated with whatever weights it holds at call time).
        x_test: float32 (N, 28, 28, 1) binary test images.
        seed: the evaluation seed (eps rows, IWAE samples).
        batch_size: images per ELBO forward pass (memory only; results do not depend on it).
        estimator: the ELBO's estimator, "analytic" (the training report's) or "mc".
    """

    def __init__(self, model, x_test, seed: int, batch_size: int = 2000, estimator: str = "analytic"):
        if estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}.")
        self.model, self.seed, self.batch_size = model, int(seed), positive_int(batch_size, "batch_size")
        self.x = tf.constant(_checked_images(x_test))  # (N, 28, 28, 1)
        self.eps = sample_eps((len(self.x), model.latent_dim), self.seed)  # (N, D): row j for image j
        # Compiled per evaluator, closing over its model: a module-level tf.function taking the model as
        # an argument would key its trace cache on the object, and a new model could reuse a dead one's id.
        images = tf.TensorSpec([None, 28, 28, 1], tf.float32)
        self._elbo = tf.function(lambda x, eps: model_elbo(model, x, eps, estimator),  # one trace, any batch size
                                 input_signature=[images, tf.TensorSpec([None, model.latent_dim], tf.float32)])
        self._means = tf.function(lambda x: model.encode(x)[0], input_signature=[images])
        self._iwae_signature = [images, tf.TensorSpec([2], tf.int64)]
        self._iwae = {}

    def _batches(self, indices):
        idx = np.arange(len(self.eps)) if indices is None else np.asarray(indices)
        return [idx[i:i + self.batch_size] for i in range(0, len(idx), self.batch_size)]

    def elbo_values(self, indices=None) -> np.ndarray:
        """Per-image ELBOs (1 sample of z each), (N,) or (len(indices),)."""
        return np.concatenate([self._elbo(tf.gather(self.x, b), tf.gather(self.eps, b)).numpy()
                               for b in self._batches(indices)])

    def means(self, indices=None) -> np.ndarray:
        """The encoder means of the images, (N, D) or (len(indices), D) (the latent scatter plot needs them)."""
        return np.concatenate([self._means(tf.gather(self.x, b)).numpy() for b in self._batches(indices)])

    def elbo(self, indices=None) -> float:
        """The mean ELBO over all images (:func:`mean_elbo`) or over ``indices``."""
        return float(self.elbo_values(indices).astype(np.float64).mean())

    def iwae_values(self, indices, k: int, on_batch=None, images_per_batch: int | None = None) -> np.ndarray:
        """(n,) per-image IWAE bounds with ``k`` samples; batch i of ``indices`` uses seed (seed, i).

        ``images_per_batch``: images per forward pass (default ``IWAE_IMAGES_PER_BATCH // k``); it
        decides which samples each image gets. ``on_batch(done, total)`` is called after each batch.
        """
        k = positive_int(k, "k")
        if k not in self._iwae:
            self._iwae[k] = tf.function(lambda x, s: model_iwae_bound(self.model, x, k, s),
                                        input_signature=self._iwae_signature)
        per = max(1, IWAE_IMAGES_PER_BATCH // k) if images_per_batch is None else positive_int(
            images_per_batch, "images_per_batch")
        idx = np.asarray(indices)
        starts = range(0, len(idx), per)
        out = []
        for i, start in enumerate(starts):
            out.append(self._iwae[k](tf.gather(self.x, idx[start:start + per]),
                                     tf.constant([self.seed, i], tf.int64)).numpy())
            if on_batch is not None:
                on_batch(i + 1, len(starts))
        return np.concatenate(out)


def mean_elbo(model, x, *, seed: int = 0, batch_size: int = 1000, estimator: str = "analytic") -> float:
    """The mean per-image ELBO of ``model`` over all of ``x``, in nats (lessons 06, 10).

    Args:
        model: a CVAE. x: float32 (N, 28, 28, 1) binary, e.g. the 10,000 test images.
        seed: image j gets row j of ``sample_eps((N, D), seed)``, whatever the batch size.
        batch_size: images per forward pass (memory only).
        estimator: "analytic" (analytic KL) or "mc" (single-sample Monte Carlo).

    Returns:
        The average over the N images (not over batches), a Python float.
    """
    return Evaluator(model, x, seed, batch_size, estimator).elbo()


def mean_iwae_bound(model, x, k: int, *, seed: int = 0, images_per_batch: int = 1000) -> float:
    """The mean importance-weighted bound on log p(x) with ``k`` samples over all of ``x``, in nats (lesson 06).

    Batch i (``images_per_batch`` images) draws its samples from the stateless seed (seed, i).

    Returns:
        The average over the N images, a Python float.
    """
    evaluator = Evaluator(model, x, seed)
    values = evaluator.iwae_values(np.arange(len(evaluator.eps)), k, images_per_batch=images_per_batch)
    return float(values.astype(np.float64).mean())


def final_bounds(model, config, x_test, stream=None) -> dict:
    """The end of a run: the test ELBO on all test images and the IWAE estimate of log p(x) (above).

    Returns:
        A dict with ``test_elbo``, ``iwae``, ``iwae_standard_error``, ``iwae_subset_size``
        (None when ``config.iwae_k`` is 0) and ``means``, the encoder means of x_test (N, D).
    """
    evaluator = Evaluator(model, x_test, config.seed)
    elbo = evaluator.elbo_values()  # (N,)
    result = {"test_elbo": float(elbo.astype(np.float64).mean()), "iwae": None, "iwae_standard_error": None,
              "iwae_subset_size": None, "means": evaluator.means()}  # means (N, D)
    if config.iwae_k:
        subset = evaluation_subset(len(x_test))
        per = max(1, IWAE_IMAGES_PER_BATCH // config.iwae_k)
        bar = ProgressBar(-(-len(subset) // per), per, stream=stream, value_name="",
                          prefix=f"final bound (IWAE, K={config.iwae_k}, {len(subset)} test images)")
        iwae = evaluator.iwae_values(subset, config.iwae_k, on_batch=lambda done, total: bar.update())
        bar.close()
        result["iwae"], result["iwae_standard_error"] = subset_correction(elbo, elbo[subset], iwae)
        result["iwae_subset_size"] = len(subset)
    return result
