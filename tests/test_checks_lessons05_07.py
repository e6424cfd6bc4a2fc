"""The checks of exercises 05-07 accept a right answer and reject typical wrong ones, each with its own hint."""

import numpy as np
import pytest
import tensorflow as tf

from check_assertions import assert_accepted, assert_rejected

from vae_course import checks
from vae_course.distributions import bernoulli_log_likelihood as bll, log_normal_pdf as lnp

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
    (lambda x, l: -bernoulli_log_likelihood(x, l), "you returned the cross-entropy"),
    (lambda x, l: -tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=l), AXES), "averaged over"),
    (lambda x, l: -tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=l), "sum over the pixel axes"),
    (lambda x, l: -tf.keras.losses.binary_crossentropy(x, l, from_logits=True), "reduced only the channel axis"),
    (lambda x, l: bernoulli_log_likelihood(l, x), "you swapped them"),
    (lambda x, l: tf.reduce_sum(x * tf.math.log_sigmoid(l), AXES), "Pixels equal to 0"),
    (lambda x, l: np.sum(x * l - np.logaddexp(0, l), axis=(1, 2, 3)), "not a tf.Tensor"),
    (lambda x, l: tf.reduce_sum(bernoulli_log_likelihood(x, l)), "batch axis too"),
]


def test_bernoulli_check_accepts_the_right_answer(capsys):
    assert_accepted(checks.check_bernoulli_log_likelihood, bernoulli_log_likelihood, "bernoulli_log_likelihood", capsys)


@pytest.mark.parametrize("wrong,phrase", BERNOULLI_WRONG)
def test_bernoulli_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_bernoulli_log_likelihood, wrong, phrase)


# --- 06 kl_standard_normal and elbo_single_sample --------------------------------------------------------------

def kl_standard_normal(mean, logvar):
    return 0.5 * tf.reduce_sum(tf.exp(logvar) + tf.square(mean) - 1.0 - logvar, axis=-1)


KL_WRONG = [
    (lambda m, lv: -kl_standard_normal(m, lv), "never negative"),
    (lambda m, lv: 2 * kl_standard_normal(m, lv), "factor ½ is missing"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) + m ** 2 - lv, -1), "a term −1 per dimension"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(0.5 * lv) + m ** 2 - 1 - lv, -1), "not the standard deviation"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) - 1 - lv, -1), "squared mean μ² is missing"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(lv) + m ** 2 - 1 + lv, -1), "logvar term has the wrong sign"),
    (lambda m, lv: 0.5 * tf.reduce_sum(tf.exp(-lv) * (1 + m ** 2) - 1 + lv, -1), "reverse direction"),
    (lambda m, lv: 0.5 * tf.reduce_mean(tf.exp(lv) + m ** 2 - 1 - lv, -1), "averaged over the last axis"),
    (lambda m, lv: 0.5 * (tf.exp(lv) + m ** 2 - 1 - lv), "sum over the last axis"),
    (lambda m, lv: 0.5 * np.sum(np.exp(lv) + np.square(m) - 1 - lv, -1), "not a tf.Tensor"),
]


def test_kl_check_accepts_the_right_answer(capsys):
    assert_accepted(checks.check_kl_standard_normal, kl_standard_normal, "kl_standard_normal", capsys)


@pytest.mark.parametrize("wrong,phrase", KL_WRONG)
def test_kl_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_kl_standard_normal, wrong, phrase)


def _prior(z):
    return lnp(z, tf.zeros_like(z), tf.zeros_like(z))


def elbo_single_sample(x, mean, logvar, z, x_logits):
    return bll(x, x_logits) + _prior(z) - lnp(z, mean, logvar)


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
]


def test_elbo_check_accepts_the_right_answer(capsys):
    assert_accepted(checks.check_elbo_single_sample, elbo_single_sample, "elbo_single_sample", capsys)


@pytest.mark.parametrize("wrong,phrase", ELBO_WRONG)
def test_elbo_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_elbo_single_sample, wrong, phrase)


# --- 07 train_step --------------------------------------------------------------------------------------------

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
]


def test_train_step_check_accepts_the_right_answer(capsys):
    assert_accepted(checks.check_train_step, make_train_step(), "train_step", capsys)


def test_train_step_check_accepts_a_compiled_step_with_the_analytic_kl(capsys):
    elbo = lambda x, m, lv, z, xl: bll(x, xl) - kl_standard_normal(m, lv)
    assert_accepted(checks.check_train_step, tf.function(make_train_step(elbo_fn=elbo)), "train_step", capsys)


@pytest.mark.parametrize("wrong,phrase", TRAIN_STEP_WRONG)
def test_train_step_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_train_step, wrong, phrase)


def test_wrong_answer_count_05_07():
    assert len(BERNOULLI_WRONG) + len(KL_WRONG) + len(ELBO_WRONG) + len(TRAIN_STEP_WRONG) == 41
