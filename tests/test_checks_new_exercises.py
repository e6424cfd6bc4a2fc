"""The checks of the exercises added in this round (01.2, 02.2, 04.2, 06.3, 07): right answers in several
styles pass, each typical wrong answer is rejected with its own hint. Right answers are written here from
closed forms, NumPy or tfp, never from vae_course's own functions."""
import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from check_assertions import assert_accepted, assert_rejected

from vae_course import checks, models

tfd = tfp.distributions
LOG_2PI = math.log(2 * math.pi)

# --- 01.2 dynamic_binarize --------------------------------------------------------------------------------------

DYNAMIC_RIGHT = [
    lambda images, seed: (np.random.default_rng(seed).random(images.shape) < images / 255).astype(np.float32)[..., None],
    lambda images, seed: np.random.RandomState(seed).binomial(1, images / 255.0).astype(np.float32)[..., None],
    lambda images, seed: tf.cast(tf.random.stateless_uniform(images.shape, (seed, 0)) < images / 255, tf.float32)[..., None],
]
DYNAMIC_WRONG = [
    (lambda images, seed: (images / 255 > 0.5).astype(np.float32)[..., None], "static threshold"),
    (lambda images, seed: (np.random.default_rng(seed).random(images.shape) > images / 255)
     .astype(np.float32)[..., None], "black and white are swapped"),
    (lambda images, seed: (np.random.default_rng(seed).random(images.shape) < images)
     .astype(np.float32)[..., None], "divide by 255"),
    (lambda images, seed: (np.random.random(images.shape) < images / 255).astype(np.float32)[..., None],
     "different images for the same seed"),
    (lambda images, seed: (np.random.default_rng(0).random(images.shape) < images / 255).astype(np.float32)[..., None],
     "same images for seeds 1 and 2"),
    (lambda images, seed: (images / 255).astype(np.float32)[..., None], "exactly 0 or 1"),
    (lambda images, seed: (np.random.default_rng(seed).random(images.shape) < images / 255).astype(np.float32),
     "Add a channel axis"),
    (lambda images, seed: (np.random.default_rng(seed).random(images.shape) < images / 255)[..., None],
     "comparisons give booleans"),
    (lambda images, seed: tfd.Bernoulli(probs=images / 255), "returned a TFP distribution"),
    (lambda images, seed: (np.random.default_rng(seed).random(images.shape) < images / 400)
     .astype(np.float32)[..., None], "a white one (255) always 1"),
    (lambda images, seed: (np.random.default_rng(seed).random(images.shape) < np.sqrt(images / 255))
     .astype(np.float32)[..., None], "expected about"),
]


@pytest.mark.parametrize("right", DYNAMIC_RIGHT, ids=["numpy-generator", "numpy-binomial", "tf-stateless"])
def test_dynamic_binarize_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_dynamic_binarize, right, "dynamic_binarize", capsys)


@pytest.mark.parametrize("wrong,phrase", DYNAMIC_WRONG)
def test_dynamic_binarize_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_dynamic_binarize, wrong, phrase)


# --- 02.2 posterior ---------------------------------------------------------------------------------------------

POSTERIOR_RIGHT = [
    lambda mean, logvar: tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(0.5 * logvar)),
    lambda mean, logvar: tfd.Independent(tfd.Normal(mean, tf.exp(logvar / 2)), reinterpreted_batch_ndims=1),
    lambda mean, logvar: tfd.MultivariateNormalTriL(loc=mean, scale_tril=tf.linalg.diag(tf.sqrt(tf.exp(logvar)))),
]
POSTERIOR_WRONG = [
    (lambda mean, logvar: tfd.Normal(mean, tf.exp(0.5 * logvar)), "event_shape (): TFP sees"),
    (lambda mean, logvar: tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(logvar)), "variance as the scale"),
    (lambda mean, logvar: tfd.MultivariateNormalDiag(loc=mean, scale_diag=logvar), "logvar itself as the scale"),
    (lambda mean, logvar: tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(0.5 * logvar)).sample(),
     "not a TFP distribution"),
    (lambda mean, logvar: tfd.MultivariateNormalDiag(loc=mean[0], scale_diag=tf.exp(0.5 * logvar[0])),
     "expected batch_shape"),
    (lambda mean, logvar: tfd.MultivariateNormalDiag(loc=-mean, scale_diag=tf.exp(0.5 * logvar)), "wrong values"),
    (lambda mean, logvar: 1.0, "not a TFP distribution"),
    (lambda mean, logvar: tfd.MultivariateNormalDiag(loc=mean.numpy(), scale_diag=np.exp(0.5 * logvar.numpy())),
     "no gradient reaches"),
]


@pytest.mark.parametrize("right", POSTERIOR_RIGHT, ids=["mvn-diag", "independent-normal", "mvn-tril"])
def test_posterior_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_posterior, right, "posterior", capsys)


@pytest.mark.parametrize("wrong,phrase", POSTERIOR_WRONG)
def test_posterior_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_posterior, wrong, phrase)


# --- 04.2 score_function_gradient -------------------------------------------------------------------------------

def _score_closed_form(f, mean, logvar, eps):
    z = mean + tf.exp(0.5 * logvar) * eps  # (K, B, D)
    return tf.reduce_mean(f(z)[..., None] * (z - mean) / tf.exp(logvar), axis=0)


def _score_jacobian(f, mean, logvar, eps):
    """Per-sample scores with a tape over a tiled mean (tfp log_prob), then the average."""
    k = eps.shape[0]
    tiled = tf.repeat(mean[None], k, axis=0)  # (K, B, D)
    z = tf.stop_gradient(tiled + tf.exp(0.5 * logvar) * eps)
    with tf.GradientTape() as tape:
        tape.watch(tiled)
        log_q = tf.reduce_sum(tfd.Independent(tfd.Normal(tiled, tf.exp(0.5 * logvar)), 1).log_prob(z))
    score = tape.gradient(log_q, tiled)  # (K, B, D): each sample's own score
    return tf.reduce_mean(tf.stop_gradient(f(z))[..., None] * score, axis=0)


SCORE_RIGHT = [_score_closed_form, tf.function(_score_closed_form, reduce_retracing=True), _score_jacobian]


def _reparam(f, mean, logvar, eps):
    z = mean + tf.exp(0.5 * logvar) * eps
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.reduce_sum(f(z))
    g = tape.gradient(y, z)
    return tf.reduce_mean(tf.zeros_like(z) if g is None else g, 0)


SCORE_WRONG = [
    (_reparam, "reparameterization estimate"),
    (lambda f, m, lv, e: -_score_closed_form(f, m, lv, e), "sign is flipped"),
    (lambda f, m, lv, e: tf.reduce_mean(f(m + tf.exp(0.5 * lv) * e)[..., None] * tf.exp(0.5 * lv) * e, 0),
     "without the division"),
    (lambda f, m, lv, e: tf.reduce_mean(f(m + tf.exp(0.5 * lv) * e)[..., None] * e, 0), "divided by σ once too few"),
    (lambda f, m, lv, e: tf.reduce_sum(f(m + tf.exp(0.5 * lv) * e)[..., None] * e / tf.exp(0.5 * lv), 0),
     "summed over the K samples"),
    (lambda f, m, lv, e: tf.reduce_mean(e / tf.exp(0.5 * lv), 0), "f is missing"),
    (lambda f, m, lv, e: f(m + tf.exp(0.5 * lv) * e)[..., None] * e / tf.exp(0.5 * lv), "average over the K samples"),
    (lambda f, m, lv, e: tfd.Normal(m, 1.0), "returned a TFP distribution"),
]


@pytest.mark.parametrize("right", SCORE_RIGHT, ids=["closed-form", "tf-function", "tape-tfp"])
def test_score_function_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_score_function_gradient, right, "score_function_gradient", capsys)


@pytest.mark.parametrize("wrong,phrase", SCORE_WRONG)
def test_score_function_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_score_function_gradient, wrong, phrase)


# --- 06.3 iwae_bound --------------------------------------------------------------------------------------------

def _iwae_manual(log_weights):
    m = tf.reduce_max(log_weights, axis=0)
    return m + tf.math.log(tf.reduce_mean(tf.exp(log_weights - m), axis=0))


IWAE_RIGHT = [
    lambda lw: tf.reduce_logsumexp(lw, axis=0) - tf.math.log(tf.cast(tf.shape(lw)[0], tf.float32)),
    _iwae_manual,
    tf.function(lambda lw: tfp.math.reduce_logmeanexp(lw, axis=0)),
]
IWAE_WRONG = [
    (lambda lw: tf.math.log(tf.reduce_mean(tf.exp(lw), 0)), "underflows to 0"),
    (lambda lw: tf.reduce_mean(lw, 0), "averaged the log-weights"),
    (lambda lw: tf.reduce_logsumexp(lw, 0), "log of a sum"),
    (lambda lw: tf.reduce_max(lw, 0), "only the largest"),
    (lambda lw: tf.reduce_logsumexp(lw, 1) - tf.math.log(tf.cast(tf.shape(lw)[1], tf.float32)), "reduced axis 1"),
    (lambda lw: tf.reduce_logsumexp(lw, 0, keepdims=True) - math.log(lw.shape[0]), "keepdims"),
    (lambda lw: float(tf.reduce_mean(lw)), "Python float"),
    (lambda lw: tfd.Normal(lw, 1.0), "returned a TFP distribution"),
]


@pytest.mark.parametrize("right", IWAE_RIGHT, ids=["logsumexp", "max-shift", "tfp-logmeanexp-tf-function"])
def test_iwae_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_iwae_bound, right, "iwae_bound", capsys)


@pytest.mark.parametrize("wrong,phrase", IWAE_WRONG)
def test_iwae_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_iwae_bound, wrong, phrase)


# --- 07 make_encoder, make_decoder ------------------------------------------------------------------------------

L = tf.keras.layers


def encoder_sequential(latent_dim, padding="valid", last=None, strides=2, first=32):
    return tf.keras.Sequential([L.Conv2D(first, 3, strides=strides, padding=padding, activation="relu"),
                                L.Conv2D(64, 3, strides=2, padding=padding, activation="relu"),
                                L.Flatten(), L.Dense(2 * latent_dim, activation=last)])


def encoder_functional(latent_dim):
    x = tf.keras.Input((28, 28, 1))
    h = L.ReLU()(L.Conv2D(32, (3, 3), (2, 2))(x))
    h = L.Conv2D(64, kernel_size=3, strides=2, activation=tf.nn.relu)(h)
    return tf.keras.Model(x, L.Dense(latent_dim + latent_dim)(L.Reshape((-1,))(h)))


def encoder_with_input(latent_dim):
    return tf.keras.Sequential([tf.keras.Input((28, 28, 1)), *encoder_sequential(latent_dim).layers])


def decoder_sequential(latent_dim, last=None, padding="same", units=7 * 7 * 32):
    return tf.keras.Sequential([L.Dense(units, activation="relu"), L.Reshape((7, 7, 32)),
                                L.Conv2DTranspose(64, 3, strides=2, padding=padding, activation="relu"),
                                L.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
                                L.Conv2DTranspose(1, 3, strides=1, padding="same", activation=last)])


def decoder_functional(latent_dim):
    z = tf.keras.Input((latent_dim,))
    h = L.Reshape((7, 7, 32))(L.Dense(1568, activation="relu")(z))
    for filters in (64, 32):
        h = L.Conv2DTranspose(filters, 3, 2, "same", activation="relu")(h)
    return tf.keras.Model(z, L.Conv2DTranspose(1, 3, padding="same")(h))


ENCODER_RIGHT = [encoder_sequential, encoder_functional, encoder_with_input]
DECODER_RIGHT = [decoder_sequential, decoder_functional,
                 lambda d: tf.keras.Sequential([tf.keras.Input((d,)), *decoder_sequential(d).layers])]
ENCODER_WRONG = [
    (lambda d: encoder_sequential(d, padding="same"), "layer 1 (Conv2D) outputs (14, 14, 32)"),
    (lambda d: encoder_sequential(d, strides=1), "layer 1 (Conv2D) outputs (26, 26, 32)"),
    (lambda d: encoder_sequential(d, last="relu"), "never negative"),
    (lambda d: encoder_sequential(d, first=16), "layer 1 (Conv2D) outputs (13, 13, 16)"),
    (lambda d: encoder_sequential(d).layers, "return a Keras model"),
    (lambda d: models.Encoder(models.ModelConfig(latent_dim=d)), "package's own network"),
    (lambda d: tf.keras.Sequential([L.Flatten(), L.Dense(2 * d)]), "layer 1 (Flatten) outputs (784,)"),
]
DECODER_WRONG = [
    (lambda d: decoder_sequential(d, last="sigmoid"), "a sigmoid"),
    (lambda d: decoder_sequential(d, last="relu"), "never negative"),
    (lambda d: decoder_sequential(d, padding="valid"), "layer 3 (Conv2DTranspose) outputs (15, 15, 64)"),
    (lambda d: decoder_sequential(d, units=7 * 7 * 64), "layer 1 (Dense) outputs (3136,)"),
    (lambda d: models.Decoder(models.ModelConfig(latent_dim=d)), "package's own network"),
]


@pytest.mark.parametrize("right", ENCODER_RIGHT, ids=["sequential", "functional", "with-input"])
def test_encoder_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_make_encoder, right, "make_encoder", capsys)


@pytest.mark.parametrize("right", DECODER_RIGHT, ids=["sequential", "functional", "with-input"])
def test_decoder_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_make_decoder, right, "make_decoder", capsys)


@pytest.mark.parametrize("wrong,phrase", ENCODER_WRONG)
def test_encoder_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_make_encoder, wrong, phrase)


@pytest.mark.parametrize("wrong,phrase", DECODER_WRONG)
def test_decoder_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_make_decoder, wrong, phrase)
