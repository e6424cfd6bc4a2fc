"""The checks of the exercises added in this round (01.2, 02.2, 04.2, 06.3, 07): right answers in several
styles pass, each typical wrong answer is rejected with its own hint. Right answers are written here from
closed forms, NumPy or tfp, never from vae_course's own functions."""
import math
import re

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from check_assertions import assert_accepted, assert_rejected

from vae_course import checks, models

pytestmark = pytest.mark.usefixtures("judged_without_per_call_restore")  # see conftest.py

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


def _from_uniforms(draw):
    """A dynamic_binarize whose uniforms come from ``draw(rng, n)`` (shape broadcastable to (n, 28, 28))."""
    return lambda images, seed: (draw(np.random.default_rng(seed), len(images)) < images / 255).astype(np.float32)[..., None]


def _antithetic_pairs(rng, n):  # images 2k and 2k + 1 use u and 1 - u
    u = rng.random(((n + 1) // 2, 28, 28))
    return np.stack([u, 1 - u], 1).reshape(-1, 28, 28)[:n]


def _antithetic_halves(rng, n):  # image k and image k + n/2 use u and 1 - u
    u = rng.random(((n + 1) // 2, 28, 28))
    return np.concatenate([u, 1 - u])[:n]


def _pixel_pairs(rng, n):  # two pixels share each draw, spread over the image
    u = np.repeat(rng.random((n, 392)), 2, axis=1)
    return u[:, np.random.default_rng(0).permutation(784)].reshape(n, 28, 28)


DYNAMIC_DEPENDENT = [
    (_from_uniforms(lambda rng, n: rng.random((n, 1, 1))), "the pixels of an image share their random numbers"),
    (_from_uniforms(lambda rng, n: rng.random((n, 28, 1))), "the pixels of a row share"),
    (_from_uniforms(lambda rng, n: rng.random((n, 1, 28))), "the pixels of a column share"),
    (_from_uniforms(_antithetic_pairs), "mirror each other's random numbers"),
    (_from_uniforms(_antithetic_halves), "varies far less than independent pixels allow"),
    (_from_uniforms(lambda rng, n: rng.random((1, 28, 28))), "every image reuses the same random numbers"),
    (_from_uniforms(_pixel_pairs), "varies far more than independent pixels allow"),
]


@pytest.mark.parametrize("wrong,phrase", DYNAMIC_DEPENDENT, ids=["per-image", "per-row", "per-column",
                                                                 "antithetic-pairs", "antithetic-halves",
                                                                 "same-for-all-images", "pixel-pairs"])
def test_dynamic_binarize_check_rejects_shared_random_numbers(wrong, phrase):
    assert_rejected(checks.check_dynamic_binarize, wrong, phrase)


def test_dynamic_binarize_independence_test_accepts_independent_draws_of_many_seeds():
    """The stated false-reject probability is below 1e-6: 30 independent right answers all pass."""
    from vae_course.checks.dynamic_binarization import COPIES, GREY, _judge_independence

    for seed in range(30):
        _judge_independence((np.random.default_rng(1000 + seed).random((COPIES, 28, 28)) < GREY / 255).astype(np.float32))


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


def _with_baseline(leave_one_out):
    def estimate(f, mean, logvar, eps):
        z = mean + tf.exp(0.5 * logvar) * eps
        values = f(z)  # (K, B)
        k = tf.cast(tf.shape(values)[0], tf.float32)
        if leave_one_out:
            baseline = tf.math.divide_no_nan(tf.reduce_sum(values, 0) - values, k - 1.0)
        else:
            baseline = tf.reduce_mean(values, 0)
        return tf.reduce_mean((values - baseline)[..., None] * (z - mean) / tf.exp(logvar), axis=0)

    return estimate


@pytest.mark.parametrize("leave_one_out", [True, False], ids=["leave-one-out", "mean-of-all"])
def test_score_function_check_names_a_baseline_as_outside_the_contract(leave_one_out):
    """The contract says: the plain estimator, no baseline (a leave-one-out one is unbiased, but another estimator)."""
    assert_rejected(checks.check_score_function_gradient, _with_baseline(leave_one_out), "without a baseline")


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


def test_iwae_example_shows_one_example_with_its_own_k_log_weights():
    """The example must be a column of log_weights (one example, K samples), beside that example's values."""
    with pytest.raises(AssertionError) as info:
        checks.check_iwae_bound(lambda lw: tf.reduce_logsumexp(lw, 0) - 1.0)
    message = str(info.value)
    found = re.search(r"example (\d+) of the batch: column \1 of log_weights, its K = (\d+) log-weights \[([^\]]*)\]",
                      message)
    assert found, message
    assert len(found.group(3).split(",")) == int(found.group(2)), message
    assert "row 0 of the batch" not in message


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


def encoder_activation_layers(latent_dim):
    """Sequential, each activation a layer of its own (as the functional encoder above writes its first one)."""
    return tf.keras.Sequential([L.Conv2D(32, 3, strides=2), L.ReLU(), L.Conv2D(64, 3, strides=2),
                                L.Activation("relu"), L.Flatten(), L.Dense(2 * latent_dim)])


def decoder_activation_layers(latent_dim, last=()):
    return tf.keras.Sequential([L.Dense(1568), L.ReLU(), L.Reshape((7, 7, 32)),
                                L.Conv2DTranspose(64, 3, strides=2, padding="same"), L.ReLU(),
                                L.Conv2DTranspose(32, 3, strides=2, padding="same"), L.ReLU(),
                                L.Conv2DTranspose(1, 3, padding="same"), *last])


ENCODER_RIGHT = [encoder_sequential, encoder_functional, encoder_with_input, encoder_activation_layers]
DECODER_RIGHT = [decoder_sequential, decoder_functional,
                 lambda d: tf.keras.Sequential([tf.keras.Input((d,)), *decoder_sequential(d).layers]),
                 decoder_activation_layers]


def _wrapping_package_encoder(latent_dim):
    x = tf.keras.Input((28, 28, 1))
    mean, logvar = models.Encoder(models.ModelConfig(latent_dim=latent_dim))(x)
    return tf.keras.Model(x, tf.keras.layers.Concatenate()([mean, logvar]))


def _layers_of_package_encoder(latent_dim):
    package = models.Encoder(models.ModelConfig(latent_dim=latent_dim))
    return tf.keras.Sequential([*package.convs, package.flatten, package.dense])


PACKAGE_DECODERS = {d: models.Decoder(models.ModelConfig(latent_dim=d)) for d in (2, 5)}  # built outside the answer


def encoder_dense_width_functional(latent_dim):
    x = tf.keras.Input((28, 28, 1))
    h = L.Conv2D(64, 3, strides=2, activation="relu")(L.Conv2D(32, 3, strides=2, activation="relu")(x))
    h = L.Dense(128, activation="relu")(L.Flatten()(h))
    return tf.keras.Model(x, L.Dense(2 * latent_dim)(h))


NETWORK_SHORTCUTS = [
    (checks.check_make_encoder, _wrapping_package_encoder, "package's own network"),
    (checks.check_make_encoder, _layers_of_package_encoder, "package's own network"),
    (checks.check_make_decoder, lambda d: tf.keras.Sequential([PACKAGE_DECODERS[d]]), "contains the package's own Decoder"),
    (checks.check_make_decoder, lambda d: tf.keras.Sequential([tf.keras.Sequential([L.Identity(), PACKAGE_DECODERS[d]])]),
     "contains the package's own Decoder"),
]


@pytest.mark.parametrize("check,shortcut,phrase", NETWORK_SHORTCUTS,
                         ids=["functional-wrapper", "its-layers", "nested-global", "nested-twice"])
def test_network_checks_refuse_the_packages_networks_at_any_depth(check, shortcut, phrase):
    assert_rejected(check, shortcut, phrase)


NETWORK_CAUSES = [  # (check, answer, phrase the message must hold, phrase it must not hold)
    (checks.check_make_decoder, lambda d: decoder_activation_layers(d, last=(L.ReLU(),)), "last layer applies a ReLU",
     "sigmoid"),
    (checks.check_make_decoder, lambda d: decoder_sequential(d, last="relu"), "last layer applies a ReLU", "sigmoid"),
    (checks.check_make_encoder, lambda d: encoder_sequential(d, last="relu"), "last layer applies a ReLU", "sigmoid"),
    (checks.check_make_decoder, lambda d: decoder_sequential(d, last="sigmoid"), "last layer applies a sigmoid", "ReLU"),
    (checks.check_make_decoder, lambda d: decoder_sequential(d, units=7 * 7 * 64), "Check its number of units",
     "kernel"),
    (checks.check_make_encoder, encoder_dense_width_functional, "a dense layer: check its number of units", "stride"),
    (checks.check_make_encoder, lambda d: tf.keras.Sequential([*encoder_sequential(d).layers[:3], L.Dense(3 * d)]),
     "Check its number of units", "kernel"),
]


@pytest.mark.parametrize("check,answer,phrase,absent", NETWORK_CAUSES,
                         ids=["relu-layer-last", "relu-activation-last", "encoder-relu-last", "sigmoid-last",
                              "dense-width-sequential", "extra-dense-functional", "encoder-dense-width"])
def test_network_messages_name_the_actual_cause(check, answer, phrase, absent):
    with pytest.raises(AssertionError) as info:
        check(answer)
    assert phrase in str(info.value) and absent not in str(info.value), str(info.value)
ENCODER_WRONG = [
    (lambda d: encoder_sequential(d, padding="same"), "layer 1 (Conv2D) outputs (14, 14, 32)"),
    (lambda d: encoder_sequential(d, strides=1), "layer 1 (Conv2D) outputs (26, 26, 32)"),
    (lambda d: encoder_sequential(d, last="relu"), "applies a ReLU"),
    (lambda d: encoder_sequential(d, first=16), "layer 1 (Conv2D) outputs (13, 13, 16)"),
    (lambda d: encoder_sequential(d).layers, "return a Keras model"),
    (lambda d: models.Encoder(models.ModelConfig(latent_dim=d)), "package's own network"),
    (lambda d: tf.keras.Sequential([L.Flatten(), L.Dense(2 * d)]), "layer 1 (Flatten) outputs (784,)"),
]
DECODER_WRONG = [
    (lambda d: decoder_sequential(d, last="sigmoid"), "a sigmoid"),
    (lambda d: decoder_sequential(d, last="relu"), "applies a ReLU"),
    (lambda d: decoder_sequential(d, padding="valid"), "layer 3 (Conv2DTranspose) outputs (15, 15, 64)"),
    (lambda d: decoder_sequential(d, units=7 * 7 * 64), "layer 1 (Dense) outputs (3136,)"),
    (lambda d: models.Decoder(models.ModelConfig(latent_dim=d)), "package's own network"),
]


@pytest.mark.parametrize("right", ENCODER_RIGHT, ids=["sequential", "functional", "with-input", "activation-layers"])
def test_encoder_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_make_encoder, right, "make_encoder", capsys)


@pytest.mark.parametrize("right", DECODER_RIGHT, ids=["sequential", "functional", "with-input", "activation-layers"])
def test_decoder_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_make_decoder, right, "make_decoder", capsys)


@pytest.mark.parametrize("wrong,phrase", ENCODER_WRONG)
def test_encoder_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_make_encoder, wrong, phrase)


@pytest.mark.parametrize("wrong,phrase", DECODER_WRONG)
def test_decoder_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_make_decoder, wrong, phrase)
