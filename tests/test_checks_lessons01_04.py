"""The checks of exercises 01-04 accept a right answer and reject typical wrong ones, each with its own hint."""
import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from check_assertions import assert_accepted, assert_rejected

from vae_course import checks, distributions, preprocessing

pytestmark = pytest.mark.usefixtures("judged_without_per_call_restore")  # see conftest.py

tfd = tfp.distributions

LOG_2PI = math.log(2 * math.pi)

def in_notebook_without_numpy(source):
    """A learner's function defined in a notebook whose cells import TensorFlow but not NumPy."""
    namespace = {"tf": tf, "math": math}
    exec(source, namespace)
    return namespace["f"]


# --- 01 binarize ----------------------------------------------------------------------------------------------

def binarize(images):
    return (images / 255 > 0.5).astype(np.float32)[..., None]


def binarize_in_place(images):
    images[images <= 127] = 0
    return (images > 0).astype(np.float32)[..., None]



BINARIZE_WRONG = [
    (lambda images: (images / 255 > 0.5).astype(np.float32), "Add a channel axis"),
    (lambda images: (images / 255 > 0.5).astype(np.float32)[:, None], "channel axis goes last"),
    (lambda images: (images / 255 > 0.5)[..., None], "comparisons give booleans"),
    (lambda images: (images / 255 > 0.5).astype(np.float64)[..., None], "dtype float64"),
    (lambda images: (images > 0.5).astype(np.float32)[..., None], "divide by 255"),
    (lambda images: (images / 255).astype(np.float32)[..., None], "grey levels"),
    (lambda images: (images / 255 <= 0.5).astype(np.float32)[..., None], "black and white are swapped"),
    (lambda images: (images > 128).astype(np.float32)[..., None], "threshold is slightly off"),
    (lambda images: (images >= 127).astype(np.float32)[..., None], "threshold is slightly off"),
    (binarize_in_place, "changed its input `images` in place"),
    (lambda images: tf.constant(binarize(images)), "return a numpy array"),
    (lambda images: binarize(images[:1]), "expected (3, 28, 28, 1)"),
    (lambda images: np.expand_dims(images / 255 > 0.5, axis=4).astype(np.float32), "binarize raised AxisError"),
]


BINARIZE_RIGHT = [
    binarize,
    lambda images: np.expand_dims(np.where(images > 127.5, 1.0, 0.0).astype(np.float32), -1),
    lambda images: tf.cast(tf.constant(images)[..., None] > 127, tf.float32).numpy(),
]


@pytest.mark.parametrize("right", BINARIZE_RIGHT, ids=["numpy-scaled", "numpy-where", "tf-then-numpy"])
def test_binarize_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_binarize, right, "binarize", capsys)


@pytest.mark.parametrize("wrong,phrase", BINARIZE_WRONG)
def test_binarize_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_binarize, wrong, phrase)


# --- 02 log_normal_pdf ----------------------------------------------------------------------------------------

def log_normal_pdf(sample, mean, logvar):
    return -0.5 * tf.reduce_sum((sample - mean) ** 2 * tf.exp(-logvar) + logvar + LOG_2PI, axis=-1)


def _pdf_then_log(sample, mean, logvar):
    var = tf.exp(logvar)
    density = tf.exp(-0.5 * (sample - mean) ** 2 / var) / tf.sqrt(2 * math.pi * var)
    return tf.reduce_sum(tf.math.log(density), axis=-1)


LOG_NORMAL_PDF_WRONG = [
    (lambda s, m, lv: -0.5 * ((s - m) ** 2 * tf.exp(-lv) + lv + LOG_2PI), "sum over the last axis"),
    (lambda s, m, lv: tf.reduce_sum(-0.5 * ((s - m) ** 2 * tf.exp(-lv) + lv + LOG_2PI)), "batch axis too"),
    (lambda s, m, lv: -0.5 * tf.reduce_sum((s - m) ** 2 * tf.exp(-lv) + lv + LOG_2PI, -1, keepdims=True), "keepdims"),
    (lambda s, m, lv: -0.5 * tf.reduce_mean((s - m) ** 2 * tf.exp(-lv) + lv + LOG_2PI, -1), "averaged over the last"),
    (lambda s, m, lv: -0.5 * tf.reduce_sum((s - m) ** 2 * tf.exp(-lv) + lv, -1), "normalizing constant"),
    (lambda s, m, lv: 0.5 * tf.reduce_sum((s - m) ** 2 * tf.exp(-lv) + lv + LOG_2PI, -1), "sign is flipped"),
    (lambda s, m, lv: -0.5 * tf.reduce_sum((s - m) ** 2 * tf.exp(-lv) + LOG_2PI, -1) - tf.reduce_sum(lv, -1),
     "logvar term is twice too large"),
    (lambda s, m, lv: -0.5 * tf.reduce_sum((s - m) ** 2 / tf.exp(0.5 * lv) + lv + LOG_2PI, -1), "divided the squared"),
    (lambda s, m, lv: -0.5 * tf.reduce_sum((s - m) ** 2 / lv + tf.math.log(lv) + LOG_2PI, -1), "log of the variance"),
    (_pdf_then_log, "Stay in log space"),
    (lambda s, m, lv: np.sum(-0.5 * ((s - m) ** 2 * np.exp(-lv) + lv + LOG_2PI), -1), "not a tf.Tensor"),
    (lambda s, m, lv: tf.constant(log_normal_pdf(s, m, lv).numpy()), "no gradient reaches `sample`"),
    (lambda s, m, lv: tf.cast(log_normal_pdf(s, m, lv), tf.float64), "dtype float64"),
    (lambda s, m, lv: tfd.MultivariateNormalDiag(loc=m, scale_diag=tf.exp(0.5 * lv)), "returned a TFP distribution"),
    (lambda s, m, lv: float(tf.reduce_sum(log_normal_pdf(s, m, lv))), "returned a Python float"),
    (lambda s, m, lv: log_normal_pdf(s, m, lv)[:1], "first axis must be the batch axis"),
    (lambda s, m, lv: distributions.log_normal_pdf(s, m, lv), "calls the package's own log_normal_pdf"),
    (in_notebook_without_numpy("def f(s, m, lv):\n    return -0.5 * tf.reduce_sum((s - m) ** 2 * np.exp(-lv) + lv, -1)"),
     "`np` is not imported in this notebook: add `import numpy as np`"),
]


LOG_NORMAL_PDF_RIGHT = [
    log_normal_pdf,
    lambda s, m, lv: tfd.MultivariateNormalDiag(loc=m, scale_diag=tf.exp(0.5 * lv)).log_prob(s),
    tf.function(lambda s, m, lv: tf.math.reduce_sum(tfd.Normal(m, tf.math.exp(lv / 2)).log_prob(s), axis=1)),
]


@pytest.mark.parametrize("right", LOG_NORMAL_PDF_RIGHT, ids=["closed-form", "tfp-mvn", "tf-function-tfp-normal"])
def test_log_normal_pdf_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_log_normal_pdf, right, "log_normal_pdf", capsys)


@pytest.mark.parametrize("wrong,phrase", LOG_NORMAL_PDF_WRONG)
def test_log_normal_pdf_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_log_normal_pdf, wrong, phrase)


# --- shortcuts through the package ---------------------------------------------------------------------------

_package_binarize = preprocessing.binarize  # an alias, as `from vae_course.preprocessing import binarize` gives

SHORTCUTS = [
    (checks.check_binarize, lambda images: preprocessing.binarize(images), "package's own binarize"),
    (checks.check_binarize, _package_binarize, "package's own binarize"),
    (checks.check_binarize, lambda images: preprocessing.dynamic_binarize(images, 0) * 0
     + (images / 255 > 0.5).astype(np.float32)[..., None], "package's own dynamic_binarize"),
    (checks.check_dynamic_binarize, lambda images, seed: preprocessing.dynamic_binarize(images, seed),
     "package's own dynamic_binarize"),
    (checks.check_std_from_logvar, lambda lv: distributions.reparameterize(tf.zeros_like(lv), lv, tf.ones_like(lv)),
     "package's own reparameterize"),
    (checks.check_std_from_logvar, lambda lv: distributions.encoder_distribution(
        tf.zeros_like(tf.reshape(lv, (1, -1))), tf.reshape(lv, (1, -1))).stddev()[0] * 0 + tf.exp(0.5 * lv),
     "package's own encoder_distribution"),
    (checks.check_std_from_logvar, tf.function(lambda lv: distributions.reparameterize(0.0 * lv, lv, 1.0 + 0.0 * lv)),
     "package's own reparameterize"),
    (checks.check_log_normal_pdf, lambda z, m, lv: distributions.encoder_distribution(m, lv).log_prob(z),
     "package's own encoder_distribution"),
]


@pytest.mark.parametrize("check,shortcut,phrase", SHORTCUTS,
                         ids=["binarize-call", "binarize-alias", "binarize-later-answer", "dynamic-call",
                              "std-reparameterize", "std-encoder-distribution", "std-tf-function", "pdf-posterior"])
def test_checks_refuse_the_packages_answers(check, shortcut, phrase):
    assert_rejected(check, shortcut, phrase)


# --- 03 std_from_logvar ---------------------------------------------------------------------------------------

STD_WRONG = [
    (lambda lv: tf.exp(lv), "That is the variance σ²"),
    (lambda lv: tf.sqrt(lv), "sqrt(logvar) is NaN"),
    (lambda lv: 0.5 * tf.exp(lv), "Half the variance is not σ"),
    (lambda lv: tf.exp(-0.5 * lv), "That is 1/σ"),
    (lambda lv: tf.sqrt(tf.exp(lv)), "single exponential"),
    (lambda lv: np.exp(0.5 * lv), "not a tf.Tensor"),
    (lambda lv: tf.reduce_sum(tf.exp(0.5 * lv)), "same shape as logvar"),
    (lambda lv: tf.stop_gradient(tf.exp(0.5 * lv)), "no gradient reaches `logvar`"),
    (lambda lv: tf.exp(2 * lv), "square of the variance"),
    (lambda lv: 0.5 * lv, "That is log σ"),
    (in_notebook_without_numpy("def f(lv):\n    return np.exp(lv / 2)"), "add `import numpy as np`"),
    (lambda lv: distributions.std_from_logvar(lv), "calls the package's own std_from_logvar"),
]


def test_a_bounded_logvar_is_not_told_it_went_through_the_variance():
    """Clipping logvar keeps σ finite but wrong at ±100: the message names the bound, not the variance."""
    with pytest.raises(AssertionError) as info:
        checks.check_std_from_logvar(lambda lv: tf.exp(0.5 * tf.clip_by_value(lv, -80.0, 80.0)))
    assert "clipped or bounded" in str(info.value) and "through the variance" not in str(info.value), str(info.value)
    assert_rejected(checks.check_std_from_logvar, lambda lv: tf.sqrt(tf.exp(lv)), "went through the variance")
    assert_rejected(checks.check_std_from_logvar, lambda lv: tf.minimum(tf.exp(0.5 * lv), 1e20), "clipped or bounded")


STD_RIGHT = [lambda logvar: tf.exp(0.5 * logvar), tf.function(lambda logvar: tf.math.exp(logvar / 2.0)),
             lambda logvar: tf.sqrt(tf.exp(logvar / 2)) ** 2]


@pytest.mark.parametrize("right", STD_RIGHT, ids=["exp-half", "tf-function", "square-of-sqrt"])
def test_std_from_logvar_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_std_from_logvar, right, "std_from_logvar", capsys)


@pytest.mark.parametrize("wrong,phrase", STD_WRONG)
def test_std_from_logvar_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_std_from_logvar, wrong, phrase)


# --- 04 reparameterize ----------------------------------------------------------------------------------------

REPARAMETERIZE_WRONG = [
    (lambda m, lv, eps: m + tf.exp(lv) * eps, "scaled eps by the variance"),
    (lambda m, lv, eps: m + tf.exp(0.5 * lv) * tf.random.normal(tf.shape(m)), "draw no noise of your own"),
    (lambda m, lv, eps: m + 0 * eps, "You returned the mean"),
    (lambda m, lv, eps: tf.exp(0.5 * lv) * eps, "forgot to add the mean"),
    (lambda m, lv, eps: m + lv * eps, "logvar is not the standard deviation"),
    (lambda m, lv, eps: m + tf.sqrt(tf.exp(lv)) * eps, "single exponential"),
    (lambda m, lv, eps: m.numpy() + np.exp(0.5 * lv) * eps, "no gradient reaches `mean`"),
    (lambda m, lv, eps: np.add(m, np.exp(0.5 * lv) * np.asarray(eps)), "not a tf.Tensor"),
    (lambda m, lv, eps: distributions.reparameterize(m, lv, eps), "calls the package's own reparameterize"),
    (lambda m, lv, eps: tfd.MultivariateNormalDiag(m, tf.exp(0.5 * lv)), "returned a TFP distribution"),
]


REPARAMETERIZE_RIGHT = [
    lambda m, lv, eps: m + tf.exp(0.5 * lv) * eps,
    tf.function(lambda m, lv, eps: tf.math.add(m, tf.math.multiply(eps, tf.exp(lv / 2)))),
    lambda m, lv, eps: tfp.bijectors.Shift(m)(tfp.bijectors.Scale(tf.exp(0.5 * lv))(eps)),
]


@pytest.mark.parametrize("right", REPARAMETERIZE_RIGHT, ids=["closed-form", "tf-function", "tfp-bijectors"])
def test_reparameterize_check_accepts_right_answers(right, capsys):
    assert_accepted(checks.check_reparameterize, right, "reparameterize", capsys)


@pytest.mark.parametrize("wrong,phrase", REPARAMETERIZE_WRONG)
def test_reparameterize_check_rejects_wrong_answers(wrong, phrase):
    assert_rejected(checks.check_reparameterize, wrong, phrase)


