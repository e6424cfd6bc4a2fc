"""Scaling, static and dynamic binarization, and tf.data pipelines (lesson 01); MNIST ready for the model.

Naming: ``images`` are raw uint8 digits (N, 28, 28); ``x`` is what the model sees,
float32 of shape (N, 28, 28, 1) with values in {0, 1}.
"""
from __future__ import annotations

import numpy as np

from vae_course.data import load_mnist

__all__ = ["scale", "binarize", "dynamic_binarize", "load_binarized_mnist", "make_dataset"]


def _as_images(images, name="images") -> np.ndarray:
    """Validates raw or scaled digits and returns float32 values in [0, 1], shape (N, 28, 28, 1)."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a numpy array of shape (N, 28, 28), got {type(images).__name__}; "
                        "convert with np.asarray(...).")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"{name} must have shape (N, 28, 28) or (N, 28, 28, 1), got {images.shape}.")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    if images.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be uint8 (0..255) or float in [0, 1], got dtype {images.dtype}.")
    if not np.all(np.isfinite(images)) or images.min(initial=0) < 0 or images.max(initial=0) > 1:
        raise ValueError(f"float {name} must lie in [0, 1]; got values in [{np.nanmin(images)}, "
                         f"{np.nanmax(images)}]. Scale uint8 pixels with scale(images) first.")
    return images.astype(np.float32)


def scale(images) -> np.ndarray:
    """uint8 pixels 0..255 to float32 in [0, 1]: ``images / 255``, shape (N, 28, 28, 1)."""
    return _as_images(images)


def binarize(images, threshold=0.5) -> np.ndarray:
    """Static binarization, as in the TF tutorial: ``x = 1[images / 255 > threshold]``.

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1), or float in [0, 1].
        threshold: in [0, 1).

    Returns:
        float32 array (N, 28, 28, 1) with values in {0, 1}.
    """
    if not 0.0 <= float(threshold) < 1.0:
        raise ValueError(f"threshold must lie in [0, 1), got {threshold}.")
    return (_as_images(images) > np.float32(threshold)).astype(np.float32)


def dynamic_binarize(images, seed) -> np.ndarray:
    """Dynamic (stochastic) binarization: each pixel ``x ~ Bernoulli(images / 255)``.

    A new call with a new seed draws a new binary image, so every epoch sees other samples.

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1), or float in [0, 1].
        seed: int or sequence of ints for ``np.random.default_rng``; required.

    Returns:
        float32 array (N, 28, 28, 1) with values in {0, 1}.
    """
    p = _as_images(images)
    rng = np.random.default_rng(seed)
    return (rng.random(p.shape, dtype=np.float32) < p).astype(np.float32)


def load_binarized_mnist(data_dir=None, threshold=0.5):
    """MNIST statically binarized: ``(x_train, y_train), (x_test, y_test)``, x float32 (N, 28, 28, 1)."""
    (train_images, y_train), (test_images, y_test) = load_mnist(data_dir)
    return (binarize(train_images, threshold), y_train), (binarize(test_images, threshold), y_test)


def make_dataset(x, batch_size, *, shuffle=True, seed=0, dynamic=False):
    """A ``tf.data`` pipeline of batches of x (lesson 01).

    Args:
        x: float32 (N, 28, 28, 1) in [0, 1]; binary for static binarization, grey levels
            (probabilities) when ``dynamic`` is True.
        batch_size: images per batch; the last batch may be smaller.
        shuffle: reshuffle on every pass, with a fixed ``seed``.
        seed: int seed for shuffling and dynamic sampling.
        dynamic: draw a fresh binary sample of every image on every pass.

    Returns:
        A dataset of float32 batches (B, 28, 28, 1).

    Raises:
        ValueError: grey levels with ``dynamic=False``, or a batch_size that is not a positive int.
    """
    import tensorflow as tf

    from vae_course.validation import positive_int

    x = _as_images(x, "x")  # (N, 28, 28, 1) float32 in [0, 1]
    positive_int(batch_size, "batch_size")
    if not dynamic and not np.all((x == 0) | (x == 1)):
        raise ValueError("x holds grey levels, but dynamic=False feeds it to the model as it is: binarize it "
                         "first (binarize(images)), or pass dynamic=True to draw binary samples on every pass.")
    ds = tf.data.Dataset.from_tensor_slices(x)
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(int(batch_size))
    if dynamic:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)  # one stateless seed pair per batch
        ds = tf.data.Dataset.zip((ds, seeds)).map(
            lambda p, s: tf.cast(tf.random.stateless_uniform(tf.shape(p), seed=s) < p, tf.float32))
    return ds.prefetch(tf.data.AUTOTUNE)
