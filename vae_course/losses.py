"""The ELBO, its two estimators, and the importance-weighted bound on log p(x) (lesson 06).

All per-example results have shape (B,) and are in nats per image. The training loss is the
negative mean ELBO over the batch. Means over a whole test set (:func:`mean_elbo`,
:func:`mean_iwae_bound`) are computed by :mod:`vae_course.training.evaluation`.
"""
from __future__ import annotations

import math

import tensorflow as tf

from vae_course.contracts import ESTIMATORS  # ("analytic", "mc"), re-exported
from vae_course.distributions import (bernoulli_log_likelihood, kl_standard_normal, log_normal_pdf,
                                      reparameterize, sample_eps)
from vae_course.validation import after_checks, as_float32, check_same_batch, positive_int

__all__ = ["ESTIMATORS", "elbo_single_sample", "elbo_analytic", "model_elbo", "model_iwae_bound"]


def elbo_single_sample(x, mean, logvar, z, x_logits):
    """Single-sample Monte Carlo ELBO: log p(x|z) + log p(z) − log q(z|x), with z ~ q(z|x).

    Args:
        x: (B, 28, 28, 1) binary. mean, logvar, z: (B, D). x_logits: (B, 28, 28, 1).

    Returns:
        (B,): an unbiased estimate of each example's ELBO.
    """
    log_px_z = bernoulli_log_likelihood(x, x_logits)  # checks x and x_logits
    log_qz_x = log_normal_pdf(z, mean, logvar)  # checks z, mean and logvar
    log_px_z, log_qz_x = after_checks(_check_batches(x, mean), log_px_z, log_qz_x)
    z = tf.convert_to_tensor(z)
    log_pz = log_normal_pdf(z, tf.zeros_like(z), tf.zeros_like(z))
    return log_px_z + log_pz - log_qz_x


def elbo_analytic(x, mean, logvar, x_logits):
    """ELBO with the KL term in closed form: log p(x|z) − KL(q(z|x) ‖ N(0, I)).

    Same expectation as :func:`elbo_single_sample`; only log p(x|z) is sampled. Not necessarily a
    lower-variance *value*: with a good encoder the Monte Carlo KL noise cancels part of the
    reconstruction noise (lesson 06). Its *gradient* is much less noisy early in training (lesson 10).

    Returns:
        (B,).
    """
    log_px_z = bernoulli_log_likelihood(x, x_logits)  # checks x and x_logits
    kl = kl_standard_normal(mean, logvar)  # checks mean and logvar
    log_px_z, kl = after_checks(_check_batches(x, mean), log_px_z, kl)
    return log_px_z - kl


def _check_batches(x, mean):
    """x (B, 28, 28, 1) and mean (B, D) must describe the same B images: (B,) + (1,) would broadcast."""
    return check_same_batch({"x": as_float32(x, "x", "(B, 28, 28, 1)"), "mean": as_float32(mean, "mean", "(B, D)")},
                            "x (B, 28, 28, 1) and mean, logvar, z (B, D)")


def model_elbo(model, x, eps, estimator="analytic"):
    """Per-example ELBO of ``model`` on x, with z = mean + σ ⊙ eps.

    Args:
        model: a CVAE. x: (B, 28, 28, 1) binary. eps: (B, D) standard normal.
        estimator: "analytic" (analytic KL) or "mc" (single-sample Monte Carlo, the tutorial's).

    Returns:
        (B,).
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}.")
    mean, logvar = model.encode(x)
    z = reparameterize(mean, logvar, eps)
    x_logits = model.decode(z)
    if estimator == "analytic":
        return elbo_analytic(x, mean, logvar, x_logits)
    return elbo_single_sample(x, mean, logvar, z, x_logits)


def model_iwae_bound(model, x, k, seed):
    """Importance-weighted lower bound on log p(x) of ``model`` with k samples (Burda et al., 2016).

    Named like :func:`model_elbo`: it runs the model. (Exercise 06.3's ``iwae_bound`` takes the
    log-weights instead.)

    log p(x) ≥ L_k = E[ log (1/k) Σ_i p(x, z_i) / q(z_i|x) ],  z_i ~ q(z|x);  L_1 = ELBO, L_k ↑ log p(x).

    Args:
        model: a CVAE. x: (B, 28, 28, 1) binary. k: samples per image. seed: int or int pair.

    Returns:
        (B,).
    """
    k = positive_int(k, "k")
    mean, logvar = model.encode(x)  # (B, D)
    b, d = tf.shape(mean)[0], mean.shape[-1]
    eps = sample_eps(tf.stack([k, b, d]), seed)  # (K, B, D)
    def tile(t):  # (B, D) -> (K*B, D), K copies
        return tf.reshape(tf.broadcast_to(t, [k, b, d]), [-1, d])

    z = reparameterize(tile(mean), tile(logvar), tf.reshape(eps, [-1, d]))
    x_k = tf.reshape(tf.broadcast_to(x, tf.concat([[k], tf.shape(x)], 0)), tf.concat([[-1], tf.shape(x)[1:]], 0))
    log_w = elbo_single_sample(x_k, tile(mean), tile(logvar), z, model.decode(z))  # (K*B,)
    return tf.reduce_logsumexp(tf.reshape(log_w, [k, b]), axis=0) - math.log(k)
