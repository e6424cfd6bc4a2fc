"""Diagonal Gaussians, the reparameterization trick and the Bernoulli decoder (lessons 02-06).

Naming (used everywhere in the course): ``x`` binarized images (B, 28, 28, 1); ``x_logits``
the decoder's Bernoulli logits, same shape; ``z`` latent codes (B, D); ``mean`` and
``logvar`` the encoder's outputs, (B, D); ``eps`` standard-normal noise, (B, D).
All functions take and return float32 tensors and refuse anything else (see validation.py).
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vae_course.validation import (after_checks, as_float32, check_binary, check_finite, check_rank, check_same_shape,
                                   positive_int)

__all__ = ["LOG_2PI", "std_from_logvar", "log_normal_pdf", "kl_standard_normal", "reparameterize", "sample_eps",
           "bernoulli_log_likelihood", "decoder_distribution", "encoder_distribution", "prior_distribution"]

tfd = tfp.distributions
LOG_2PI = math.log(2.0 * math.pi)


def _latent_args(expected="(B, D)", scalars=(), **named):
    """The named arguments as float32 (B, D) tensors; those listed in ``scalars`` may be numbers (rank 0),
    broadcast to the first argument's shape (a constant, e.g. the prior's mean 0 and logvar 0)."""
    tensors = {k: as_float32(v, k, expected) for k, v in named.items()}
    first = next(iter(tensors.values()))
    tensors = {k: tf.broadcast_to(t, tf.shape(first)) if k in scalars and t.shape.rank == 0 else t
               for k, t in tensors.items()}
    for k, t in tensors.items():
        check_rank(t, 2, k, expected)
    checks = check_same_shape(tensors, expected)
    for k, t in tensors.items():
        checks += check_finite(t, k)
    return after_checks(checks, *tensors.values())


def std_from_logvar(logvar):
    """Standard deviation from log-variance (lesson 03): σ = exp(½·logvar).

    Any shape. NaN or infinite logvar is refused with a ValueError; a finite logvar gives +inf
    (never NaN) above 2·log(float32 max) ≈ 177.4 and 0 below 2·log(smallest normal float32)
    ≈ −174.7 (TensorFlow flushes subnormals to zero), without an error: see
    ``vae_course.demos.variance_parametrization.float32_logvar_limits``.
    """
    logvar = as_float32(logvar, "logvar", "any shape")
    (logvar,) = after_checks(check_finite(logvar, "logvar"), logvar)
    return tf.exp(0.5 * logvar)


def log_normal_pdf(sample, mean, logvar):
    """Log-density of a diagonal Gaussian, summed over the last axis (lesson 02).

    log N(z; μ, diag σ²) = −½ Σ_d [ (z_d − μ_d)² · exp(−logvar_d) + logvar_d + log 2π ]

    Args:
        sample: float32 (B, D).
        mean, logvar: float32 (B, D), the shape of ``sample``, or numbers, the same in every entry
            (``log_normal_pdf(z, 0., 0.)`` is the prior N(0, I)); other shapes are refused, never broadcast.

    Returns:
        float32 (B,): one log-density per row; batch_shape (B,), event_shape (D,).
    """
    sample, mean, logvar = _latent_args(scalars=("mean", "logvar"), sample=sample, mean=mean, logvar=logvar)
    sq = tf.square(sample - mean)  # (B, D)
    # Where sample == mean the term is 0 whatever logvar is; exp(-logvar) is evaluated at 0 there, so
    # neither the value nor the gradient meets 0 * inf (= NaN) when exp(-logvar) overflows (logvar << -88).
    inv_var = tf.exp(-tf.where(sq > 0.0, logvar, tf.zeros_like(logvar)))  # (B, D)
    return -0.5 * tf.reduce_sum(sq * inv_var + logvar + LOG_2PI, axis=-1)


def kl_standard_normal(mean, logvar):
    """Analytic KL( N(mean, diag exp(logvar)) ‖ N(0, I) ), summed over the last axis (lesson 06).

    KL = ½ Σ_d [ exp(logvar_d) + μ_d² − 1 − logvar_d ]

    Args:
        mean, logvar: float32 (B, D).

    Returns:
        float32 (B,), each >= 0.
    """
    mean, logvar = _latent_args(mean=mean, logvar=logvar)
    return 0.5 * tf.reduce_sum(tf.exp(logvar) + tf.square(mean) - 1.0 - logvar, axis=-1)


def reparameterize(mean, logvar, eps):
    """The reparameterization trick (lesson 04): z = μ + σ ⊙ ε with σ = exp(½·logvar).

    Gradients flow to ``mean`` and ``logvar``; the randomness lives in ``eps`` alone.

    Args:
        mean, logvar: float32 (B, D).
        eps: float32 (B, D), standard-normal noise (see :func:`sample_eps`).

    Returns:
        z: float32 (B, D).
    """
    mean, logvar, eps = _latent_args(mean=mean, logvar=logvar, eps=eps)
    return mean + tf.exp(0.5 * logvar) * eps


def sample_eps(shape, seed):
    """Standard-normal noise ε of ``shape``, reproducible from ``seed`` (int or int pair)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        seed = tf.constant([int(seed), 0], tf.int64)
    else:
        seed = tf.cast(seed, tf.int64)
        if seed.shape.rank is not None and seed.shape != (2,):
            raise ValueError(f"seed must be an int or a pair of ints, got shape {tuple(seed.shape)}.")
    return tf.random.stateless_normal(shape, seed=seed, dtype=tf.float32)


def bernoulli_log_likelihood(x, x_logits):
    """log p(x|z) for independent Bernoulli pixels, from logits, summed per image (lesson 05).

    log p(x|z) = Σ_pixels [ x·ℓ − softplus(ℓ) ] = −Σ_pixels sigmoid_cross_entropy(x, ℓ)

    Stable for any finite logits ℓ (e.g. ±1e4): the probability sigmoid(ℓ) is never formed.

    Args:
        x: float32 (B, 28, 28, 1) (or any (B, ...)) holding only 0 and 1.
        x_logits: float32, same shape as x.

    Returns:
        float32 (B,).
    """
    expected = "(B, 28, 28, 1)"
    x = as_float32(x, "x", expected)
    x_logits = as_float32(x_logits, "x_logits", expected)
    check_rank(x, None, "x", expected, min_rank=2)
    checks = check_same_shape({"x": x, "x_logits": x_logits}, expected)
    checks += check_finite(x_logits, "x_logits") + check_finite(x, "x")
    x, x_logits = after_checks(checks, x, x_logits)
    (x,) = after_checks(check_binary(x, "x"), x)  # after the NaN check, so NaN gets the NaN message
    ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x_logits)
    return -tf.reduce_sum(ce, axis=tf.range(1, tf.rank(ce)))


def decoder_distribution(x_logits):
    """p(x|z) as a tfp distribution (lesson 05): Independent Bernoulli over the pixels.

    batch_shape (B,), event_shape (28, 28, 1); ``.mean()`` is sigmoid(x_logits), ``.sample()``
    draws binary images, ``.log_prob(x)`` equals :func:`bernoulli_log_likelihood`.
    """
    x_logits = as_float32(x_logits, "x_logits", "(B, 28, 28, 1)")
    check_rank(x_logits, 4, "x_logits", "(B, 28, 28, 1)")
    (x_logits,) = after_checks(check_finite(x_logits, "x_logits"), x_logits)
    return tfd.Independent(tfd.Bernoulli(logits=x_logits, dtype=tf.float32), reinterpreted_batch_ndims=3)


def encoder_distribution(mean, logvar):
    """q(z|x) as a tfp distribution (lesson 02): a factorized Gaussian.

    batch_shape (B,), event_shape (D,); ``.log_prob(z)`` equals :func:`log_normal_pdf`.
    """
    mean, logvar = _latent_args(mean=mean, logvar=logvar)
    return tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(0.5 * logvar))


def prior_distribution(latent_dim: int):
    """p(z) = N(0, I) as a tfp distribution: batch_shape (), event_shape (latent_dim,)."""
    positive_int(latent_dim, "latent_dim")
    return tfd.MultivariateNormalDiag(loc=tf.zeros([latent_dim]), scale_diag=tf.ones([latent_dim]))
