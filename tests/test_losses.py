"""Tests of vae_course.losses: the two ELBO estimators, the IWAE bound and evaluate.

A fixed small model: an untrained CVAE (seeded) whose encoder bias is set so that q(z|x) is far
from the prior (mean ≈ (1.5, −1), logvar ≈ (1, 1.5)); the KL and the IWAE gaps are then large
enough to check, and every test stays fast. The images are drawn binary digits (conftest.py), so
these tests run without MNIST.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vae_course.distributions import (decoder_distribution, encoder_distribution, prior_distribution,
                                      reparameterize, sample_eps)
from vae_course.losses import elbo_analytic, elbo_single_sample, model_iwae_bound, model_elbo
from vae_course.models import CVAE

tfd = tfp.distributions
LATENT = 2


@pytest.fixture(scope="module")
def model():
    tf.keras.utils.set_random_seed(1)
    model = CVAE(latent_dim=LATENT)
    model.encoder.dense.bias.assign([1.5, -1.0, 1.0, 1.5])  # mean bias (2), then logvar bias (2)
    return model


@pytest.fixture(scope="module")
def x(synthetic_binary_images):
    return synthetic_binary_images[:16]  # (16, 28, 28, 1), drawn binary digits: no MNIST needed


@pytest.fixture(scope="module")
def posterior(model, x):
    """mean, logvar (8, D), z (8, D) for eps of seed 3, and x_logits (8, 28, 28, 1) of the first 8 images."""
    mean, logvar = model.encode(x[:8])
    z = reparameterize(mean, logvar, sample_eps((8, LATENT), seed=3))
    return mean, logvar, z, model.decode(z)


def np_logmeanexp(a, axis=0):
    a = np.asarray(a, np.float64)
    top = a.max(axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.mean(np.exp(a - top), axis=axis))


# ---------- the ELBO estimators against tfp ----------

def test_elbo_single_sample_equals_tfp_log_probs(x, posterior):
    mean, logvar, z, x_logits = posterior
    got = elbo_single_sample(x[:8], mean, logvar, z, x_logits)
    assert got.shape == (8,) and got.dtype == tf.float32
    ref = (decoder_distribution(x_logits).log_prob(x[:8]) + prior_distribution(LATENT).log_prob(z)
           - encoder_distribution(mean, logvar).log_prob(z))
    np.testing.assert_allclose(got, ref, rtol=1e-5)
    q = tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(0.5 * logvar))  # built here, not by the package
    p = tfd.MultivariateNormalDiag(loc=tf.zeros(LATENT), scale_diag=tf.ones(LATENT))
    ref2 = tf.reduce_sum(tfd.Bernoulli(logits=x_logits).log_prob(x[:8]), [1, 2, 3]) + p.log_prob(z) - q.log_prob(z)
    np.testing.assert_allclose(got, ref2, rtol=1e-5)


def test_elbo_analytic_equals_tfp(x, posterior):
    mean, logvar, _, x_logits = posterior
    q = tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(0.5 * logvar))
    p = tfd.MultivariateNormalDiag(loc=tf.zeros(LATENT), scale_diag=tf.ones(LATENT))
    ref = tf.reduce_sum(tfd.Bernoulli(logits=x_logits).log_prob(x[:8]), [1, 2, 3]) - tfd.kl_divergence(q, p)
    np.testing.assert_allclose(elbo_analytic(x[:8], mean, logvar, x_logits), ref, rtol=1e-5)


def test_model_elbo_is_the_estimators_on_the_models_outputs(model, x):
    eps = sample_eps((16, LATENT), seed=5)
    mean, logvar = model.encode(x)
    z = mean + tf.exp(0.5 * logvar) * eps
    x_logits = model.decode(z)
    np.testing.assert_allclose(model_elbo(model, x, eps, "mc"), elbo_single_sample(x, mean, logvar, z, x_logits),
                               rtol=1e-6)
    np.testing.assert_allclose(model_elbo(model, x, eps, "analytic"), elbo_analytic(x, mean, logvar, x_logits),
                               rtol=1e-6)
    np.testing.assert_allclose(model_elbo(model, x, eps), model_elbo(model, x, eps, "analytic"), rtol=0)


def test_estimators_agree_in_expectation(model, x):
    """E_z[ log p(z) − log q(z|x) ] = −KL(q ‖ p): average the paired difference over many eps draws."""
    draws, b = 200, 8
    mean, logvar = model.encode(x[:b])  # (8, D)
    def tile(t):
        return tf.reshape(tf.broadcast_to(t, (draws, *t.shape)), (draws * b, *t.shape[1:]))

    mean_k, logvar_k, x_k = tile(mean), tile(logvar), tile(tf.constant(x[:b]))
    z = reparameterize(mean_k, logvar_k, sample_eps((draws * b, LATENT), seed=11))
    x_logits = model.decode(z)
    single = elbo_single_sample(x_k, mean_k, logvar_k, z, x_logits).numpy().reshape(draws, b)
    analytic = elbo_analytic(x_k, mean_k, logvar_k, x_logits).numpy().reshape(draws, b)
    diff = single.astype(np.float64) - analytic
    stderr = diff.std(axis=0, ddof=1) / math.sqrt(draws)
    tolerance = 4.5 * stderr
    assert np.all(np.abs(diff.mean(axis=0)) <= tolerance)
    kl = 0.5 * np.sum(np.exp(logvar) + np.square(mean) - 1.0 - logvar, axis=-1)  # (8,), about 3 nats
    assert np.all(kl > 2 * tolerance)  # so a missing, halved or doubled KL term could not pass


# ---------- the IWAE bound ----------

def test_iwae_with_one_sample_is_the_single_sample_elbo_for_the_same_eps(model, x):
    # model_iwae_bound draws eps of shape (1, B, D) from the seed; the stateless stream does not depend on the
    # shape, so sample_eps((B, D), seed) is the same noise.
    eps = sample_eps((16, LATENT), seed=7)
    assert np.array_equal(sample_eps((1, 16, LATENT), seed=7).numpy()[0], eps.numpy())
    np.testing.assert_allclose(model_iwae_bound(model, x, 1, seed=7), model_elbo(model, x, eps, "mc"), rtol=1e-6)


def test_iwae_equals_log_mean_exp_of_importance_weights(model, x):
    k = 5
    eps = sample_eps((k, 16, LATENT), seed=9)  # the noise model_iwae_bound draws for this seed
    log_w = np.stack([model_elbo(model, x, eps[i], "mc").numpy() for i in range(k)])  # (K, B)
    got = model_iwae_bound(model, x, k, seed=9)
    assert got.shape == (16,) and got.dtype == tf.float32
    np.testing.assert_allclose(got, np_logmeanexp(log_w), rtol=1e-5)
    assert np.all(got.numpy() >= log_w.mean(axis=0) - 1e-3)  # Jensen: log-mean-exp ≥ mean


def test_mean_iwae_bound_rises_with_k_and_sits_above_the_elbo(model, x):
    bound = tf.function(model_iwae_bound)  # one trace per k: the seed is a tensor

    def mean_bound(k, repeats):
        values = [float(tf.reduce_mean(bound(model, x, k, tf.constant([s, 0])))) for s in range(repeats)]
        return np.mean(values), np.std(values, ddof=1) / math.sqrt(repeats)

    (l1, se1), (l5, se5), (l50, se50) = mean_bound(1, 40), mean_bound(5, 8), mean_bound(50, 2)
    elbo = float(np.mean(model_elbo(model, x, sample_eps((len(x), LATENT), seed=0), "analytic")))
    assert l5 - l1 > 4 * math.hypot(se1, se5)
    assert l50 - l5 > 4 * math.hypot(se5, se50)
    assert l5 > elbo and l50 > elbo
    assert abs(l1 - elbo) < 4 * se1 + 0.05  # L_1 is the ELBO in expectation


# ---------- bad input to the estimators ----------

def test_estimators_refuse_mismatched_batch_sizes(x, posterior):
    mean, logvar, z, x_logits = posterior
    one = slice(0, 1)  # a batch of 1 would broadcast silently against 8
    with pytest.raises(ValueError, match="x and mean must have the same batch size"):
        elbo_single_sample(x[one], mean, logvar, z, x_logits[one])
    with pytest.raises(ValueError, match="x and mean must have the same batch size"):
        elbo_analytic(x[one], mean, logvar, x_logits[one])
    with pytest.raises(ValueError, match="x and mean must have the same batch size"):
        elbo_analytic(x[:8], mean[one], logvar[one], x_logits)
    with pytest.raises(ValueError, match="must have the same shape"):
        elbo_single_sample(x[:8], mean, logvar, z[one], x_logits)


def test_estimators_check_batch_sizes_inside_tf_function(x, posterior):
    mean, logvar, _, x_logits = posterior
    img, lat = tf.TensorSpec((None, 28, 28, 1), tf.float32), tf.TensorSpec((None, LATENT), tf.float32)
    fn = tf.function(elbo_analytic, input_signature=[img, lat, lat, img])
    with pytest.raises(tf.errors.InvalidArgumentError, match="x and mean must have the same batch size"):
        fn(x[:1], mean, logvar, x_logits[:1])
    np.testing.assert_allclose(fn(x[:8], mean, logvar, x_logits), elbo_analytic(x[:8], mean, logvar, x_logits),
                               rtol=1e-6)


def test_estimators_refuse_bad_images(x, posterior):
    mean, logvar, z, x_logits = posterior
    with pytest.raises(ValueError, match="x and x_logits must have the same shape"):
        elbo_single_sample(x[:8, ..., 0], mean, logvar, z, x_logits)
    with pytest.raises(TypeError, match="x must be float32"):
        elbo_analytic(x[:8].astype(np.float64), mean, logvar, x_logits)
    with pytest.raises(ValueError, match="x must hold only 0 and 1"):
        elbo_analytic(x[:8] * 0.5, mean, logvar, x_logits)
    with pytest.raises(ValueError, match="logvar holds NaN"):
        elbo_analytic(x[:8], mean, logvar * np.nan, x_logits)


def test_model_elbo_and_iwae_refuse_bad_settings(model, x):
    with pytest.raises(ValueError, match="estimator must be one of"):
        model_elbo(model, x, sample_eps((16, LATENT), seed=0), "exact")
    with pytest.raises(ValueError, match=r"must have the same shape \(B, D\)"):
        model_elbo(model, x, sample_eps((16, LATENT + 1), seed=0))
    for k in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            model_iwae_bound(model, x, k, seed=0)
