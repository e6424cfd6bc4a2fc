"""The checks of exercises 05, 06 and 08 accept right answers in several styles and reject typical wrong ones,
each with its own hint. The right answers are written here from closed forms and tfp, independently of
vae_course.distributions and vae_course.losses (so a bug there cannot pass both a check and its test)."""
import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from check_assertions import assert_accepted, assert_rejected

from vae_course import checks, distributions, losses

pytestmark = pytest.mark.usefixtures("judged_without_per_call_restore")  # see conftest.py

tfd = tfp.distributions
LOG_2PI = math.log(2 * math.pi)


def bll(x, logits):
    """log p(x|z) of Bernoulli pixels, closed form in logits (independent of the package)."""
    return tf.reduce_sum(x * logits - tf.math.softplus(logits), axis=[1, 2, 3])


def lnp(z, mean, logvar):
    """Diagonal-Gaussian log-density, closed form (independent of the package)."""
    return -0.5 * tf.reduce_sum(tf.square(z - mean) * tf.exp(-logvar) + logvar + LOG_2PI, axis=-1)

AXES = [1, 2, 3]

# --- 05 bernoulli_log_likelihood --------------------------------------------------------------------------------

def bernoulli_log_likelihood(x, logits):
    return -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=AXES)


def _through_sigmoid(x, logits):
    p = tf.sigmoid(logits)
    return tf.reduce_sum(x * tf.math.log(p) + (1 - x) * tf.math.log(1 - p), axis=AXES)


def _clipped(x, logits):
    p = tf.clip_by_value(tf.sigmoid(logits), 1e-7, 1 - 1e-7)
    return tf.reduce_sum(x * tf.math.log(p) + (1 - x) * tf.math.log(1 - p), axis=AXES)


BERNOULLI_WRONG = [
    (_through_sigmoid, "went through probabilities"),
    (_clipped, "clipping gives wrong values"),
    (lambda x, l: -bernoulli_log_likelihood(x, l), "check the overall sign"),
    (lambda x, l: -tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=l), AXES), "averaged over"),
    (lambda x, l: -tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=l), "sum over the pixel axes"),
    (lambda x, l: -tf.keras.losses.binary_crossentropy(x, l, from_logits=True), "reduced only the channel axis"),
    (lambda x, l: bernoulli_log_likelihood(l, x), "you swapped them"),
    (lambda x, l: tf.reduce_sum(x * tf.math.log_sigmoid(l), AXES), "Pixels equal to 0"),
    (lambda x, l: np.sum(x * l - np.logaddexp(0, l), axis=(1, 2, 3)), "not a tf.Tensor"),
    (lambda x, l: tf.reduce_sum(bernoulli_log_likelihood(x, l)), "batch axis too"),
    (lambda x, l: tf.reduce_sum(x * l - tf.math.softplus(-l), AXES), "off by its logit"),
    (lambda x, l: -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=l), [1, 2]),
     "summed over some axes but not all"),
    (lambda x, l: tfd.Independent(tfd.Bernoulli(logits=l), 3), "returned a TFP distribution"),
    (lambda x, l: distributions.bernoulli_log_likelihood(x, l), "calls the package's own bernoulli_log_likelihood"),
]


BERNOULLI_RIGHT = [
    bernoulli_log_likelihood,
    lambda x, l: tfd.Independent(tfd.Bernoulli(logits=l, dtype=tf.float32), 3).log_prob(x),
    tf.function(lambda x, l: tf.reduce_sum(x * tf.math.log_sigmoid(l) + (1 - x) * tf.math.log_sigmoid(-l), [1, 2, 3])),
    lambda x, l: -784.0 * tf.keras.losses.BinaryCrossentropy(from_logits=True, reduction=None)(
        tf.reshape(x, (-1, 784)), tf.reshape(l, (-1, 784))),
]


@pytest.mark.parametrize("right", BERNOULLI_RIGHT, ids=["tf-cross-entropy", "tfp", "log-sigmoid-tf-function", "keras"])
def test_bernoulli_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_bernoulli_log_likelihood, right, "bernoulli_log_likelihood", capsys)


@pytest.mark.parametrize("wrong,phrase", BERNOULLI_WRONG)
def test_bernoulli_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_bernoulli_log_likelihood, wrong, phrase)


# --- 06 kl_standard_normal and elbo_single_sample --------------------------------------------------------------

def kl_standard_normal(mean, logvar):
    return 0.5 * tf.reduce_sum(tf.exp(logvar) + tf.square(mean) - 1.0 - logvar, axis=-1)


KL_WRONG = [
    (lambda m, lv: -kl_standard_normal(m, lv), "never negative"),
    (lambda m, lv: 2 * kl_standard_normal(m, lv), "factor ½ is missing"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) + m ** 2 - lv, -1), "a constant term per dimension"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(0.5 * lv) + m ** 2 - 1 - lv, -1), "standard deviation where the variance belongs"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) - 1 - lv, -1), "squared mean μ² is missing"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) + m ** 2 - 1 + lv, -1), "logvar term has the wrong sign"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(-lv) * (1 + m ** 2) - 1 + lv, -1), "reverse direction"),
    (lambda m, lv: 0.5 * tf.reduce_mean(tf.exp(lv) + m ** 2 - 1 - lv, -1), "averaged over the last axis"),
    (lambda m, lv: 0.5 * (tf.exp(lv) + m ** 2 - 1 - lv), "sum over the last axis"),
    (lambda m, lv: 0.5 * np.sum(np.exp(lv) + np.square(m) - 1 - lv, -1), "not a tf.Tensor"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) - m ** 2 - 1 - lv, -1), "never negative, yours is"),
    (lambda m, lv: distributions.kl_standard_normal(m, lv), "calls the package's own kl_standard_normal"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) + m ** 2 - 1 - lv, 0), "batch axis"),
]


KL_SHORTCUTS = [
    lambda m, lv: tfd.kl_divergence(distributions.encoder_distribution(m, lv),
                                    distributions.prior_distribution(m.shape[-1])),
    tf.function(lambda m, lv: tfd.kl_divergence(distributions.encoder_distribution(m, lv),
                                                distributions.prior_distribution(2)) * 0 + kl_standard_normal(m, lv)),
]


@pytest.mark.parametrize("shortcut", KL_SHORTCUTS, ids=["check-cell-line", "tf-function-wrapper"])
def test_kl_check_refuses_the_packages_distributions(shortcut):
    assert_rejected(checks.check_kl_standard_normal, shortcut, "calls the package's own")


def test_an_integer_log_is_named_as_such_not_as_float64():
    """tf.math.log of an int32 tensor: TensorFlow's message lists 'double' among the allowed types."""
    with pytest.raises(AssertionError) as info:
        checks.check_kl_standard_normal(lambda m, lv: kl_standard_normal(m, lv) + tf.math.log(tf.shape(m)[0]) * 0)
    message = str(info.value)
    assert "An integer tensor (int32) reached a float operation" in message and "float64" not in message, message
    assert_rejected(checks.check_kl_standard_normal, lambda m, lv: kl_standard_normal(m, lv)
                    + 0.0 * tf.math.log(tf.shape(m)[-1]), "tf.cast(..., tf.float32)")


KL_RIGHT = [
    kl_standard_normal,
    lambda m, lv: tfd.kl_divergence(tfd.MultivariateNormalDiag(m, tf.exp(0.5 * lv)),
                                    tfd.MultivariateNormalDiag(tf.zeros_like(m), tf.ones_like(m))),
    tf.function(lambda m, lv: tf.reduce_sum(tfd.kl_divergence(tfd.Normal(m, tf.exp(lv / 2)), tfd.Normal(0.0, 1.0)), -1)),
]


@pytest.mark.parametrize("right", KL_RIGHT, ids=["closed-form", "tfp-mvn", "tf-function-tfp-normal"])
def test_kl_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_kl_standard_normal, right, "kl_standard_normal", capsys)


@pytest.mark.parametrize("wrong,phrase", KL_WRONG)
def test_kl_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_kl_standard_normal, wrong, phrase)


def _prior(z):
    return lnp(z, tf.zeros_like(z), tf.zeros_like(z))


def elbo_single_sample(x, mean, logvar, z, x_logits):
    return bll(x, x_logits) + _prior(z) - lnp(z, mean, logvar)


def _elbo_tfp(x, mean, logvar, z, x_logits):
    q = tfd.MultivariateNormalDiag(mean, tf.exp(0.5 * logvar))
    prior = tfd.MultivariateNormalDiag(tf.zeros_like(z), tf.ones_like(z))
    return tfd.Independent(tfd.Bernoulli(logits=x_logits, dtype=tf.float32), 3).log_prob(x) + prior.log_prob(z) - q.log_prob(z)


ELBO_RIGHT = [
    elbo_single_sample,
    _elbo_tfp,
    tf.function(lambda x, m, lv, z, xl: -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(x, xl), [1, 2, 3])
                + tf.reduce_sum(-0.5 * z ** 2 + 0.5 * (z - m) ** 2 / tf.exp(lv) + 0.5 * lv, -1)),
    lambda x, m, lv, z, xl: (distributions.bernoulli_log_likelihood(x, xl) + distributions.log_normal_pdf(z, 0.0, 0.0)
                             - distributions.log_normal_pdf(z, m, lv)),  # the notebook's way: the package's helpers
]


ELBO_WRONG = [
    (lambda x, m, lv, z, xl: -elbo_single_sample(x, m, lv, z, xl), "negative ELBO"),
    (lambda x, m, lv, z, xl: bll(x, xl) + _prior(z) + lnp(z, m, lv), "enters with a minus sign"),
    (lambda x, m, lv, z, xl: bll(x, xl) - lnp(z, m, lv), "prior term log p(z)"),
    (lambda x, m, lv, z, xl: bll(x, xl) + _prior(z), "The term −log q(z|x)"),
    (lambda x, m, lv, z, xl: bll(x, xl) - kl_standard_normal(m, lv), "analytic KL"),
    (lambda x, m, lv, z, xl: bll(x, xl) + lnp(z, m, lv) - lnp(z, m, lv), "log p(x|z) alone"),
    (lambda x, m, lv, z, xl: tf.reduce_mean(elbo_single_sample(x, m, lv, z, xl)), "batch axis too"),
    (lambda x, m, lv, z, xl: _through_sigmoid(x, xl) + _prior(z) - lnp(z, m, lv), "went through probabilities"),
    (lambda x, m, lv, z, xl: elbo_single_sample(x, m, lv, z, xl).numpy(), "not a tf.Tensor"),
    (lambda x, m, lv, z, xl: distributions.bernoulli_log_likelihood(xl, x) + _prior(z) - lnp(z, m, lv),
     "check the order of your arguments"),
    (lambda x, m, lv, z, xl: losses.elbo_single_sample(x, m, lv, z, xl), "calls the package's own elbo_single_sample"),
]


@pytest.mark.parametrize("right", ELBO_RIGHT, ids=["closed-form", "tfp", "tf-function-expanded", "package-helpers"])
def test_elbo_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_elbo_single_sample, right, "elbo_single_sample", capsys)


@pytest.mark.parametrize("wrong,phrase", ELBO_WRONG)
def test_elbo_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_elbo_single_sample, wrong, phrase)


# --- 08 train_step --------------------------------------------------------------------------------------------

def make_train_step(loss_of=lambda elbo: -tf.reduce_mean(elbo), variables=lambda m: m.trainable_variables,
                    sample=True, apply=1, ascend=False, elbo_fn=elbo_single_sample, returns=lambda loss: loss):
    """A train_step with one knob turned away from the right answer (all defaults: the right answer)."""

    def train_step(model, x, optimizer):
        with tf.GradientTape() as tape:
            mean, logvar = model.encode(x)
            eps = tf.random.normal(tf.shape(mean)) if sample else tf.zeros_like(mean)
            z = model.reparameterize(mean, logvar, eps)
            loss = loss_of(elbo_fn(x, mean, logvar, z, model.decode(z)))
            objective = -loss if ascend else loss
        grads = tape.gradient(objective, variables(model))
        for _ in range(apply):
            optimizer.apply_gradients(zip(grads, variables(model)))
        return returns(loss)

    return train_step


def _no_prior(x, mean, logvar, z, x_logits):
    return bll(x, x_logits) - lnp(z, mean, logvar)


def _decode_probabilities(model, x, optimizer):
    with tf.GradientTape() as tape:
        mean, logvar = model.encode(x)
        z = model.reparameterize(mean, logvar, tf.random.normal(tf.shape(mean)))
        loss = -tf.reduce_mean(elbo_single_sample(x, mean, logvar, z, model.decode(z, apply_sigmoid=True)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


def _forward_outside_tape(model, x, optimizer):
    mean, logvar = model.encode(x)
    z = model.reparameterize(mean, logvar, tf.random.normal(tf.shape(mean)))
    loss = -tf.reduce_mean(elbo_single_sample(x, mean, logvar, z, model.decode(z)))
    with tf.GradientTape() as tape:
        pass
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


def _tutorial_reparameterize(model, x, optimizer):
    with tf.GradientTape() as tape:
        mean, logvar = model.encode(x)
        z = model.reparameterize(mean, logvar)  # the TF tutorial's signature: no eps
        loss = -tf.reduce_mean(elbo_single_sample(x, mean, logvar, z, model.decode(z)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


def _encode_outside_tape(model, x, optimizer):
    mean, logvar = model.encode(x)
    with tf.GradientTape() as tape:
        z = model.reparameterize(mean, logvar, tf.random.normal(tf.shape(mean)))
        loss = -tf.reduce_mean(elbo_single_sample(x, mean, logvar, z, model.decode(z)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


TRAIN_STEP_WRONG = [
    (make_train_step(loss_of=tf.reduce_mean), "the ELBO itself"),
    (make_train_step(loss_of=lambda elbo: -tf.reduce_sum(elbo)), "sum over the batch"),
    (make_train_step(elbo_fn=lambda x, m, lv, z, xl: bll(x, xl)), "The KL term is missing"),
    (make_train_step(elbo_fn=_no_prior), "prior term log p(z) is missing"),
    (make_train_step(apply=0), "did not change the model's weights"),
    (make_train_step(apply=2), "made 2 optimizer steps"),
    (make_train_step(variables=lambda m: m.decoder.trainable_variables), "did not update the encoder"),
    (_encode_outside_tape, "did not update the encoder"),
    (make_train_step(loss_of=lambda elbo: -elbo), "one loss per example"),
    (make_train_step(returns=lambda loss: float(loss)), "without .numpy() or float()"),
    (make_train_step(sample=False), "exactly the same loss"),
    (make_train_step(ascend=True), "did not go down"),
    (_decode_probabilities, "apply_sigmoid=True"),
    (_forward_outside_tape, "inside the tape's `with` block"),
    (_tutorial_reparameterize, "takes the noise eps as its third argument"),
]


def _keras_loss_step(model, x, optimizer, analytic=False, decoder_network=False):
    """The Keras way: a loss object from logits, tfp's log-densities (or its analytic KL), tf.random.normal;
    ``decoder_network``: the logits from the decoder network itself, ``model.decoder(z)``, not ``model.decode``."""
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True, reduction="sum_over_batch_size")
    with tf.GradientTape() as tape:
        mean, logvar = model.encode(x)
        z = mean + tf.exp(0.5 * logvar) * tf.random.normal(tf.shape(mean))
        logits = model.decoder(z) if decoder_network else model.decode(z)
        q = tfd.MultivariateNormalDiag(mean, tf.exp(0.5 * logvar))
        prior = tfd.MultivariateNormalDiag(tf.zeros_like(mean), tf.ones_like(mean))
        kl = tfd.kl_divergence(q, prior) if analytic else q.log_prob(z) - prior.log_prob(z)
        loss = 784.0 * bce(tf.reshape(x, (-1, 784)), tf.reshape(logits, (-1, 784))) + tf.reduce_mean(kl)
    variables = model.encoder.trainable_variables + model.decoder.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss


def _package_step(model, x, optimizer):
    """The package's compiled training step (vae_course.training.step), called from the learner's function."""
    from vae_course.training.step import make_train_step as package_make_train_step

    return package_make_train_step(model, optimizer, "mc", 0)(x)


def _package_model_elbo(model, x, optimizer):
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(losses.model_elbo(model, x, tf.random.normal((x.shape[0], model.latent_dim)), "mc"))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


TRAIN_STEP_SHORTCUTS_AND_ESTIMATORS = [
    (tf.function(make_train_step(elbo_fn=lambda x, m, lv, z, xl: bll(x, xl) - kl_standard_normal(m, lv))),
     "analytic KL"),
    (make_train_step(elbo_fn=lambda x, m, lv, z, xl: bll(x, xl) - kl_standard_normal(m, lv)), "analytic KL"),
    (lambda model, x, optimizer: _keras_loss_step(model, x, optimizer, analytic=True), "analytic KL"),
    (lambda model, x, optimizer: _keras_loss_step(model, x, optimizer, analytic=True, decoder_network=True),
     "analytic KL"),
    (_package_step, "calls the package's own make_train_step"),
    (_package_model_elbo, "calls the package's own model_elbo"),
]


@pytest.mark.parametrize("wrong,phrase", TRAIN_STEP_SHORTCUTS_AND_ESTIMATORS,
                         ids=["tf-function-analytic", "eager-analytic", "keras-tfp-analytic",
                              "keras-tfp-analytic-decoder-network", "make-train-step", "model-elbo"])
def test_train_step_check_refuses_the_analytic_kl_and_the_packages_step(wrong, phrase):
    assert_rejected(checks.check_train_step, wrong, phrase)


TRAIN_STEP_RIGHT = [
    make_train_step(),
    tf.function(make_train_step(elbo_fn=lambda x, m, lv, z, xl: bll(x, xl) + lnp(z, 0.0, 0.0) - lnp(z, m, lv))),
    _keras_loss_step,
    lambda model, x, optimizer: _keras_loss_step(model, x, optimizer, decoder_network=True),
]


@pytest.mark.parametrize("right", TRAIN_STEP_RIGHT, ids=["single-sample", "tf-function-closed-form", "keras-tfp",
                                                         "keras-tfp-decoder-network"])
def test_train_step_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_train_step, right, "train_step", capsys)


@pytest.mark.parametrize("wrong,phrase", TRAIN_STEP_WRONG)
def test_train_step_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_train_step, wrong, phrase)

