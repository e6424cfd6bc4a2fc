"""Tests of vae_course.distributions against independent references.

References: tfp distributions (log_prob, kl_divergence), numpy float64 re-implementations, closed
forms, and central finite differences for gradients. Then numerics at extreme inputs, and bad input.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vae_course import distributions as D

tfd = tfp.distributions
TOL = dict(rtol=1e-5, atol=1e-5)  # float32 results against float64 / tfp references
B, LATENT = 5, 3  # batch size and latent size of the random test inputs


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def normal(rng, shape=(B, LATENT), scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def latent_inputs(rng):
    """sample, mean, logvar: float32 (B, D), logvar in [-3, 3]."""
    return normal(rng), normal(rng), rng.uniform(-3, 3, (B, LATENT)).astype(np.float32)


def image_inputs(rng, b=3, scale=3.0):
    """x binary and x_logits: float32 (b, 28, 28, 1)."""
    x = rng.integers(0, 2, (b, 28, 28, 1)).astype(np.float32)
    return x, normal(rng, (b, 28, 28, 1), scale)


# ---------- numpy float64 references ----------

def np_log_normal_pdf(sample, mean, logvar):
    s, m, lv = (np.asarray(a, np.float64) for a in (sample, mean, logvar))
    var = np.exp(lv)
    return np.sum(-0.5 * np.log(2 * np.pi * var) - (s - m) ** 2 / (2 * var), axis=-1)


def np_bernoulli_log_likelihood(x, logits):
    x, logits = np.asarray(x, np.float64), np.asarray(logits, np.float64)
    log_p, log_1mp = -np.logaddexp(0.0, -logits), -np.logaddexp(0.0, logits)  # log σ(ℓ), log(1 − σ(ℓ))
    return np.sum(x * log_p + (1 - x) * log_1mp, axis=tuple(range(1, x.ndim)))


def finite_difference_gradient(f, args, index, h=1e-2):
    """∂f/∂args[index] of a scalar float32 function f(*args), by central differences in float64.

    The step actually taken is measured after rounding the shifted inputs to float32.
    """
    args = [np.asarray(a, np.float32) for a in args]
    grad = np.zeros(args[index].shape, np.float64)
    for i in np.ndindex(args[index].shape):
        up, down = args[index].copy(), args[index].copy()
        up[i] += np.float32(h)
        down[i] -= np.float32(h)
        f_up = float(f(*[up if j == index else a for j, a in enumerate(args)]))
        f_down = float(f(*[down if j == index else a for j, a in enumerate(args)]))
        grad[i] = (f_up - f_down) / (np.float64(up[i]) - np.float64(down[i]))
    return grad


def tape_gradients(f, args):
    variables = [tf.Variable(a) for a in args]
    with tf.GradientTape() as tape:
        y = f(*variables)
    return y, tape.gradient(y, variables)


# ---------- values against references ----------

def test_log_normal_pdf_matches_tfp_and_numpy(rng):
    sample, mean, logvar = latent_inputs(rng)
    got = D.log_normal_pdf(sample, mean, logvar)
    assert got.dtype == tf.float32 and got.shape == (B,)
    scale = np.exp(0.5 * logvar.astype(np.float64))
    mvn = tfd.MultivariateNormalDiag(loc=mean.astype(np.float64), scale_diag=scale).log_prob(sample.astype(np.float64))
    per_dim = tf.reduce_sum(tfd.Normal(mean.astype(np.float64), scale).log_prob(sample.astype(np.float64)), -1)
    np.testing.assert_allclose(got, mvn, **TOL)
    np.testing.assert_allclose(got, per_dim, **TOL)
    np.testing.assert_allclose(got, np_log_normal_pdf(sample, mean, logvar), **TOL)


def test_log_normal_pdf_large_values_relative(rng):
    sample, mean = normal(rng, (4, 64), 30.0), normal(rng, (4, 64))
    logvar = rng.uniform(-6, -2, (4, 64)).astype(np.float32)
    got = D.log_normal_pdf(sample, mean, logvar).numpy()
    assert np.all(np.abs(got) > 1e4)
    np.testing.assert_allclose(got, np_log_normal_pdf(sample, mean, logvar), rtol=1e-5)


def test_kl_standard_normal_matches_tfp(rng):
    _, mean, logvar = latent_inputs(rng)
    got = D.kl_standard_normal(mean, logvar)
    assert got.dtype == tf.float32 and got.shape == (B,)
    q = tfd.MultivariateNormalDiag(loc=mean.astype(np.float64), scale_diag=np.exp(0.5 * logvar.astype(np.float64)))
    p = tfd.MultivariateNormalDiag(loc=np.zeros((B, LATENT)), scale_diag=np.ones((B, LATENT)))
    np.testing.assert_allclose(got, tfd.kl_divergence(q, p), **TOL)
    q1 = tfd.Normal(mean.astype(np.float64), np.exp(0.5 * logvar.astype(np.float64)))
    np.testing.assert_allclose(got, tf.reduce_sum(tfd.kl_divergence(q1, tfd.Normal(np.float64(0), np.float64(1))), -1), **TOL)
    assert np.all(got.numpy() >= 0)


def test_kl_is_zero_for_the_prior_itself():
    zeros = np.zeros((2, 4), np.float32)
    assert np.array_equal(D.kl_standard_normal(zeros, zeros).numpy(), np.zeros(2, np.float32))


def test_bernoulli_log_likelihood_matches_tfp_and_numpy(rng):
    x, logits = image_inputs(rng)
    got = D.bernoulli_log_likelihood(x, logits)
    assert got.dtype == tf.float32 and got.shape == (3,)
    ref = tf.reduce_sum(tfd.Bernoulli(logits=logits.astype(np.float64)).log_prob(x.astype(np.float64)), axis=[1, 2, 3])
    np.testing.assert_allclose(got, ref, **TOL)
    np.testing.assert_allclose(got, np_bernoulli_log_likelihood(x, logits), **TOL)


def test_bernoulli_log_likelihood_any_event_shape(rng):
    x = rng.integers(0, 2, (4, 10)).astype(np.float32)
    logits = normal(rng, (4, 10))
    np.testing.assert_allclose(D.bernoulli_log_likelihood(x, logits), np_bernoulli_log_likelihood(x, logits), **TOL)


@pytest.mark.parametrize("shape", [(7,), (2, 3, 4), ()])
def test_std_from_logvar_closed_form(rng, shape):
    logvar = rng.uniform(-10, 10, shape).astype(np.float32)
    got = D.std_from_logvar(logvar)
    assert got.dtype == tf.float32 and got.shape == shape
    np.testing.assert_allclose(got, np.sqrt(np.exp(logvar.astype(np.float64))), rtol=1e-6)


def test_reparameterize_closed_form(rng):
    eps, mean, logvar = latent_inputs(rng)
    z = D.reparameterize(mean, logvar, eps)
    assert z.dtype == tf.float32 and z.shape == (B, LATENT)
    expected = mean.astype(np.float64) + np.sqrt(np.exp(logvar.astype(np.float64))) * eps
    np.testing.assert_allclose(z, expected, **TOL)


def test_reparameterize_gradients_closed_form_and_finite_differences(rng):
    eps, mean, logvar = (a[:4] for a in latent_inputs(rng))
    w = normal(rng, (4, LATENT))  # random weights, so the gradient is not all ones

    def f(m, lv):
        return tf.reduce_sum(w * D.reparameterize(m, lv, eps))

    _, (g_mean, g_logvar) = tape_gradients(f, [mean, logvar])
    np.testing.assert_allclose(g_mean, w, rtol=1e-6)
    np.testing.assert_allclose(g_logvar, w * 0.5 * np.exp(0.5 * logvar.astype(np.float64)) * eps, **TOL)
    np.testing.assert_allclose(g_mean, finite_difference_gradient(f, [mean, logvar], 0), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(g_logvar, finite_difference_gradient(f, [mean, logvar], 1), rtol=1e-3, atol=1e-3)


def test_log_normal_pdf_and_kl_gradients_finite_differences(rng):
    sample, mean, logvar = (a[:3] for a in latent_inputs(rng))
    w = normal(rng, (3,))
    funcs = {
        "log_normal_pdf": (lambda s, m, lv: tf.reduce_sum(w * D.log_normal_pdf(s, m, lv)), [sample, mean, logvar]),
        "kl_standard_normal": (lambda m, lv: tf.reduce_sum(w * D.kl_standard_normal(m, lv)), [mean, logvar]),
    }
    for f, args in funcs.values():
        _, grads = tape_gradients(f, args)
        for i, g in enumerate(grads):
            np.testing.assert_allclose(g, finite_difference_gradient(f, args, i, h=1e-3), rtol=2e-3, atol=2e-3)


def test_bernoulli_log_likelihood_gradient_closed_form(rng):
    x, logits = image_inputs(rng, b=2)
    _, (g,) = tape_gradients(lambda l: tf.reduce_sum(D.bernoulli_log_likelihood(x, l)), [logits])
    np.testing.assert_allclose(g, x - 1.0 / (1.0 + np.exp(-logits.astype(np.float64))), rtol=1e-5, atol=1e-6)


def test_decoder_distribution(rng):
    x, logits = image_inputs(rng)
    dist = D.decoder_distribution(logits)
    assert dist.event_shape == (28, 28, 1) and dist.batch_shape == (3,)
    np.testing.assert_allclose(dist.mean(), 1.0 / (1.0 + np.exp(-logits.astype(np.float64))), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dist.log_prob(x), D.bernoulli_log_likelihood(x, logits), rtol=1e-6, atol=1e-4)
    sample = dist.sample(seed=1)
    assert sample.dtype == tf.float32 and sample.shape == (3, 28, 28, 1)
    assert set(np.unique(sample.numpy())) <= {0.0, 1.0}


def test_encoder_and_prior_distributions(rng):
    z, mean, logvar = latent_inputs(rng)
    q = D.encoder_distribution(mean, logvar)
    assert q.batch_shape == (B,) and q.event_shape == (LATENT,)
    np.testing.assert_allclose(q.log_prob(z), D.log_normal_pdf(z, mean, logvar), **TOL)
    np.testing.assert_allclose(q.stddev(), np.exp(0.5 * logvar.astype(np.float64)), rtol=1e-6)
    prior = D.prior_distribution(LATENT)
    assert prior.batch_shape == () and prior.event_shape == (LATENT,)
    np.testing.assert_allclose(prior.log_prob(z), np_log_normal_pdf(z, 0 * z, 0 * z), **TOL)
    np.testing.assert_allclose(prior.log_prob(z), D.log_normal_pdf(z, 0 * z, 0 * z), **TOL)


@pytest.mark.parametrize("latent_dim", [0, -1, 2.5, True, "2"])
def test_prior_distribution_bad_latent_dim(latent_dim):
    with pytest.raises(ValueError, match="latent_dim must be a positive integer"):
        D.prior_distribution(latent_dim)


def test_sample_eps():
    eps = D.sample_eps((4000, 5), seed=3)
    assert eps.dtype == tf.float32 and eps.shape == (4000, 5)
    assert np.array_equal(eps, D.sample_eps((4000, 5), seed=3))
    assert np.array_equal(eps, D.sample_eps((4000, 5), seed=(3, 0)))
    assert np.array_equal(eps, D.sample_eps((4000, 5), seed=np.int64(3)))
    assert not np.array_equal(eps, D.sample_eps((4000, 5), seed=4))
    n = eps.shape.num_elements()
    assert abs(float(tf.reduce_mean(eps))) < 5 / math.sqrt(n)
    assert abs(float(tf.math.reduce_variance(eps)) - 1.0) < 5 * math.sqrt(2 / n)


def test_sample_eps_bad_seed():
    with pytest.raises(ValueError, match="seed must be an int or a pair of ints"):
        D.sample_eps((2, 2), seed=(1, 2, 3))


# ---------- numerics at extreme inputs ----------

def _all_finite(*arrays):
    return all(np.all(np.isfinite(np.asarray(a))) for a in arrays)


def _no_nan(*arrays):
    return not any(np.any(np.isnan(np.asarray(a))) for a in arrays)


LATENT_FUNCS = {  # name: function of (sample or eps, mean, logvar)
    "std_from_logvar": lambda s, m, lv: D.std_from_logvar(lv),
    "log_normal_pdf": lambda s, m, lv: D.log_normal_pdf(s, m, lv),
    "kl_standard_normal": lambda s, m, lv: D.kl_standard_normal(m, lv),
    "reparameterize": lambda s, m, lv: D.reparameterize(m, lv, s),
}


def _values_and_gradients(name, s, m, lv):
    """Values, and the gradients of their sum w.r.t. the inputs the function uses."""
    f = LATENT_FUNCS[name]
    _, grads = tape_gradients(lambda *a: tf.reduce_sum(f(*a)), [s, m, lv])
    return f(s, m, lv).numpy(), [g.numpy() for g in grads if g is not None]


@pytest.mark.parametrize("name", sorted(LATENT_FUNCS))
@pytest.mark.parametrize("value", [50.0, -50.0])
def test_logvar_50_gives_finite_values_and_gradients(rng, name, value):
    s, m = normal(rng), normal(rng)
    lv = np.full((B, LATENT), value, np.float32)
    y, grads = _values_and_gradients(name, s, m, lv)
    assert _all_finite(y, *grads) and len(grads) >= 1
    if name == "log_normal_pdf":
        np.testing.assert_allclose(y, np_log_normal_pdf(s, m, lv), rtol=1e-5)


@pytest.mark.parametrize("name", sorted(LATENT_FUNCS))
@pytest.mark.parametrize("value", [1e4, -1e4])
def test_logvar_1e4_never_gives_nan(rng, name, value):
    s, m = normal(rng), normal(rng)
    lv = np.full((B, LATENT), value, np.float32)
    y, grads = _values_and_gradients(name, s, m, lv)
    assert _no_nan(y, *grads)


def test_logvar_1e4_limits():
    m = np.array([[0.5, -1.0]], np.float32)
    s = np.array([[0.7, -1.0]], np.float32)  # equal to the mean in the second coordinate
    big, small = np.full_like(m, 1e4), np.full_like(m, -1e4)
    assert np.isinf(D.std_from_logvar(big)).all() and np.all(D.std_from_logvar(small).numpy() == 0)
    np.testing.assert_allclose(D.log_normal_pdf(s, m, big), [-(1e4 + math.log(2 * math.pi))], rtol=1e-6)
    assert D.log_normal_pdf(s, m, small).numpy()[0] == -np.inf  # s != m where the variance is ~0
    np.testing.assert_allclose(D.log_normal_pdf(m, m, small), [1e4 - math.log(2 * math.pi)], rtol=1e-6)
    np.testing.assert_allclose(D.kl_standard_normal(m, small), [0.5 * (2 * (1e4 - 1) + 0.25 + 1.0)], rtol=1e-6)
    assert np.array_equal(D.reparameterize(m, small, s).numpy(), m)


def test_log_normal_pdf_at_its_mode_with_vanishing_variance_has_finite_gradients():
    m = np.array([[0.5, -1.0]], np.float32)
    lv = np.full_like(m, -1e4)
    y, (g_s, g_m, g_lv) = tape_gradients(lambda s, mu, v: tf.reduce_sum(D.log_normal_pdf(s, mu, v)), [m, m, lv])
    assert np.isfinite(y.numpy())
    np.testing.assert_array_equal(g_s, 0.0)  # the mode: zero gradient, not 0 · inf
    np.testing.assert_array_equal(g_m, 0.0)
    np.testing.assert_array_equal(g_lv, -0.5)  # d/dlogvar of −½·logvar


@pytest.mark.parametrize("value", [1e4, -1e4])
def test_logits_1e4_give_finite_exact_results(rng, value):
    x = rng.integers(0, 2, (2, 28, 28, 1)).astype(np.float32)
    logits = np.full_like(x, value) * np.where(rng.random(x.shape) < 0.5, 1, -1).astype(np.float32)
    y = D.bernoulli_log_likelihood(x, logits)
    _, (g,) = tape_gradients(lambda l: tf.reduce_sum(D.bernoulli_log_likelihood(x, l)), [logits])
    assert _all_finite(y, g)
    np.testing.assert_allclose(y, np_bernoulli_log_likelihood(x, logits), rtol=1e-6)
    np.testing.assert_array_equal(g, x - (logits > 0))  # x − sigmoid(ℓ), with sigmoid(±1e4) = 1 or 0
    dist = D.decoder_distribution(logits)
    assert _all_finite(dist.log_prob(x), dist.mean())
    np.testing.assert_allclose(dist.log_prob(x), y, rtol=1e-6)


# ---------- bad input ----------

LATENT_HELPERS = {  # name: (function, argument names); every argument is (B, D)
    "log_normal_pdf": (D.log_normal_pdf, ("sample", "mean", "logvar")),
    "kl_standard_normal": (D.kl_standard_normal, ("mean", "logvar")),
    "reparameterize": (D.reparameterize, ("mean", "logvar", "eps")),
    "encoder_distribution": (D.encoder_distribution, ("mean", "logvar")),
}
LATENT_CASES = [(name, i) for name, (_, args) in LATENT_HELPERS.items() for i in range(len(args))]
IMAGE_HELPERS = {  # name: (function, argument names); every argument is (B, 28, 28, 1)
    "bernoulli_log_likelihood": (D.bernoulli_log_likelihood, ("x", "x_logits")),
    "decoder_distribution": (D.decoder_distribution, ("x_logits",)),
}
IMAGE_CASES = [(name, i) for name, (_, args) in IMAGE_HELPERS.items() for i in range(len(args))]


def _good_latent_args(n):
    return [np.full((4, 2), 0.5, np.float32) for _ in range(n)]


def _good_image_args(n):
    return [np.ones((4, 28, 28, 1), np.float32) for _ in range(n)]


def _call_with(helpers, name, i, bad, good_args):
    """Calls helper ``name`` with good arguments except argument i, which is ``bad``."""
    fn, arg_names = helpers[name]
    args = good_args(len(arg_names))
    args[i] = bad
    return fn(*args)


@pytest.mark.parametrize("name,i", LATENT_CASES)
@pytest.mark.parametrize("shape", [(4, 2, 1), (4,), (4, 2, 2)])
def test_latent_helpers_refuse_wrong_rank(name, i, shape):
    arg = LATENT_HELPERS[name][1][i]
    with pytest.raises(ValueError, match=rf"{arg} must have shape \(B, D\), got shape {re.escape(str(shape))}"):
        _call_with(LATENT_HELPERS, name, i, np.zeros(shape, np.float32), _good_latent_args)


@pytest.mark.parametrize("name,i", LATENT_CASES)
@pytest.mark.parametrize("shape", [(3, 2), (1, 2), (4, 3), (4, 1)])
def test_latent_helpers_refuse_mismatched_shapes(name, i, shape):
    with pytest.raises(ValueError, match=r"must have the same shape \(B, D\).*nothing is broadcast"):
        _call_with(LATENT_HELPERS, name, i, np.zeros(shape, np.float32), _good_latent_args)


@pytest.mark.parametrize("name,i", LATENT_CASES + IMAGE_CASES + [("std_from_logvar", 0)])
@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.float16])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_helpers_refuse_other_dtypes(name, i, dtype, as_tensor):
    helpers = {**LATENT_HELPERS, **IMAGE_HELPERS, "std_from_logvar": (D.std_from_logvar, ("logvar",))}
    good = _good_image_args if name in IMAGE_HELPERS else _good_latent_args
    bad = good(1)[0].astype(dtype)
    bad = tf.constant(bad) if as_tensor else bad
    arg = helpers[name][1][i]
    with pytest.raises(TypeError, match=rf"{arg} must be float32 .* got dtype {np.dtype(dtype).name}.*tf.cast"):
        _call_with(helpers, name, i, bad, good)


@pytest.mark.parametrize("name,i", LATENT_CASES + IMAGE_CASES + [("std_from_logvar", 0)])
@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_helpers_refuse_nan_and_inf(name, i, bad_value):
    helpers = {**LATENT_HELPERS, **IMAGE_HELPERS, "std_from_logvar": (D.std_from_logvar, ("logvar",))}
    good = _good_image_args if name in IMAGE_HELPERS else _good_latent_args
    bad = good(1)[0]
    bad[-1, 0, ...] = bad_value
    arg = helpers[name][1][i]
    with pytest.raises(ValueError, match=rf"^{arg} holds NaN or infinite values"):
        _call_with(helpers, name, i, bad, good)


@pytest.mark.parametrize("x_shape,logits_shape", [((4, 28, 28), (4, 28, 28, 1)), ((4, 28, 28, 1), (4, 28, 28)),
                                                  ((3, 28, 28, 1), (4, 28, 28, 1)), ((4, 28, 28, 1), (4, 784))])
def test_bernoulli_log_likelihood_refuses_mismatched_shapes(x_shape, logits_shape):
    with pytest.raises(ValueError, match=r"x and x_logits must have the same shape \(B, 28, 28, 1\)"):
        D.bernoulli_log_likelihood(np.zeros(x_shape, np.float32), np.zeros(logits_shape, np.float32))


def test_bernoulli_log_likelihood_hints_at_the_missing_channel_axis():
    with pytest.raises(ValueError, match=r"lacks \(or has an extra\) trailing axis.*\[\.\.\., None\]"):
        D.bernoulli_log_likelihood(np.zeros((4, 28, 28), np.float32), np.zeros((4, 28, 28, 1), np.float32))


def test_bernoulli_log_likelihood_refuses_rank_1():
    with pytest.raises(ValueError, match=r"x must have shape \(B, 28, 28, 1\)"):
        D.bernoulli_log_likelihood(np.zeros((4,), np.float32), np.zeros((4,), np.float32))


@pytest.mark.parametrize("pixel", [0.5, 2.0, -1.0, 255.0])
def test_bernoulli_log_likelihood_refuses_non_binary_x(pixel):
    x = np.ones((2, 28, 28, 1), np.float32)
    x[1, 5, 5, 0] = pixel
    with pytest.raises(ValueError, match=r"x must hold only 0 and 1.*binarize"):
        D.bernoulli_log_likelihood(x, np.zeros_like(x))


@pytest.mark.parametrize("shape", [(4, 28, 28), (4, 784), (28, 28, 1), (1, 4, 28, 28, 1)])
def test_decoder_distribution_refuses_wrong_rank(shape):
    with pytest.raises(ValueError, match=r"x_logits must have shape \(B, 28, 28, 1\)"):
        D.decoder_distribution(np.zeros(shape, np.float32))


# ---------- the same checks inside tf.function ----------

def test_shape_errors_fire_at_trace_time():
    kl = tf.function(D.kl_standard_normal)
    with pytest.raises(ValueError, match=r"logvar must have shape \(B, D\)"):
        kl(tf.zeros((4, 2)), tf.zeros((4, 2, 1)))
    with pytest.raises(ValueError, match="must have the same shape"):
        kl(tf.zeros((4, 2)), tf.zeros((3, 2)))
    bll = tf.function(D.bernoulli_log_likelihood)
    with pytest.raises(ValueError, match="x and x_logits must have the same shape"):
        bll(tf.zeros((4, 28, 28)), tf.zeros((4, 28, 28, 1)))
    with pytest.raises(TypeError, match="x must be float32"):
        bll(tf.zeros((4, 28, 28, 1), tf.float64), tf.zeros((4, 28, 28, 1)))


def test_shape_errors_with_unknown_sizes_fire_at_run_time():
    # The computation must wait for the check: else its own op (a subtraction of (4, 2) and (3, 2))
    # may fail first, with TensorFlow's message. That is a race, so each call is made 30 times.
    spec = tf.TensorSpec((None, None), tf.float32)
    kl = tf.function(D.kl_standard_normal, input_signature=[spec, spec])
    img = tf.TensorSpec((None, 28, 28, 1), tf.float32)
    bll = tf.function(D.bernoulli_log_likelihood, input_signature=[img, img])
    for _ in range(30):
        with pytest.raises(tf.errors.InvalidArgumentError, match="mean and logvar must have the same shape"):
            kl(tf.zeros((4, 2)), tf.zeros((3, 2)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="x and x_logits must have the same shape"):
            bll(tf.zeros((4, 28, 28, 1)), tf.zeros((3, 28, 28, 1)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="x and x_logits must have the same shape"):
            bll(tf.zeros((4, 28, 28, 1)), tf.zeros((1, 28, 28, 1)))
    np.testing.assert_allclose(bll(tf.ones((2, 28, 28, 1)), tf.zeros((2, 28, 28, 1))), [-784 * math.log(2)] * 2,
                               rtol=1e-6)


def test_unknown_rank_is_not_refused_at_trace_time(rng):
    kl = tf.function(D.kl_standard_normal, input_signature=[tf.TensorSpec((None, None)), tf.TensorSpec(None)])
    _, mean, logvar = latent_inputs(rng)
    np.testing.assert_allclose(kl(mean, logvar), D.kl_standard_normal(mean, logvar), rtol=1e-6)


@pytest.mark.parametrize("name,i", LATENT_CASES + IMAGE_CASES)
def test_nan_errors_fire_at_run_time(name, i):
    helpers = {**LATENT_HELPERS, **IMAGE_HELPERS}
    good = _good_image_args if name in IMAGE_HELPERS else _good_latent_args
    fn, arg_names = helpers[name]

    @tf.function
    def wrapped(*a):
        out = fn(*a)
        return out.mean() if isinstance(out, tfd.Distribution) else out

    args = good(len(arg_names))
    args[i][0, 0, ...] = np.nan
    for _ in range(20):  # NaN x also fails the 0/1 check: the NaN message must win every time
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"{arg_names[i]} holds NaN or infinite values"):
            wrapped(*args)


def test_non_binary_x_fires_at_run_time():
    bll = tf.function(D.bernoulli_log_likelihood)
    x = np.full((2, 28, 28, 1), 0.5, np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"x must hold only 0 and 1"):
        bll(x, np.zeros_like(x))


# ---------- numbers (rank 0) for the mean and logvar of log_normal_pdf ----------

def test_log_normal_pdf_takes_numbers_for_the_mean_and_logvar(rng):
    """log_normal_pdf(z, 0., 0.), as the TensorFlow tutorial writes the prior, is tfp's N(0, I) log-density."""
    z = rng.normal(size=(5, 3)).astype(np.float32)
    prior = tfd.Independent(tfd.Normal(tf.zeros(3), tf.ones(3)), 1)
    np.testing.assert_allclose(D.log_normal_pdf(z, 0.0, 0.0), prior.log_prob(z), rtol=1e-6)
    shifted = tfd.Independent(tfd.Normal(1.5 * tf.ones(3), tf.exp(0.5 * -0.7) * tf.ones(3)), 1)
    np.testing.assert_allclose(D.log_normal_pdf(z, np.float32(1.5), tf.constant(-0.7)), shifted.log_prob(z), rtol=1e-5)


@pytest.mark.parametrize("mean,logvar", [(np.zeros(3, np.float32), 0.0), (0.0, np.zeros((1, 3), np.float32)),
                                         (np.zeros((5, 1), np.float32), 0.0)])
def test_log_normal_pdf_still_refuses_other_shapes(mean, logvar):
    with pytest.raises(ValueError, match="must have (shape|the same shape)"):
        D.log_normal_pdf(np.zeros((5, 3), np.float32), mean, logvar)


def test_numbers_are_refused_where_a_tensor_is_needed():
    with pytest.raises(ValueError, match=r"sample must have shape \(B, D\)"):
        D.log_normal_pdf(0.0, np.zeros((5, 3), np.float32), np.zeros((5, 3), np.float32))
    with pytest.raises(ValueError, match=r"mean must have shape \(B, D\)"):
        D.kl_standard_normal(0.0, np.zeros((5, 3), np.float32))
