"""Tests of vae_course.demos.variance_parametrization against closed forms and finite differences."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from vae_course.demos.variance_parametrization import (LABELS, PARAMETRIZATIONS, float32_logvar_limits,
                                                       plot_sigma_parametrizations, sigma_and_gradient, sigma_from_raw)

RAW = np.linspace(-6.0, 6.0, 25, dtype=np.float32).reshape(5, 5)


def _numpy_sigma(r, name):  # float64 references, written independently of TensorFlow
    return {"identity": r, "logvar": np.exp(r / 2), "softplus": np.log1p(np.exp(r))}[name]


@pytest.mark.parametrize("name", PARAMETRIZATIONS)
def test_sigma_matches_numpy(name):
    got = sigma_from_raw(RAW, name).numpy()
    assert got.shape == RAW.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, _numpy_sigma(RAW.astype(np.float64), name), rtol=1e-6)


@pytest.mark.parametrize("name", PARAMETRIZATIONS)
def test_gradient_matches_central_differences(name):
    r = RAW.astype(np.float64)
    h = 1e-5
    fd = (_numpy_sigma(r + h, name) - _numpy_sigma(r - h, name)) / (2 * h)
    sigma, grad = sigma_and_gradient(RAW, name)
    assert grad.shape == RAW.shape
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)


def test_gradient_closed_forms():
    _, g = sigma_and_gradient(RAW, "identity")
    np.testing.assert_array_equal(g, 1.0)
    s, g = sigma_and_gradient(RAW, "logvar")
    np.testing.assert_allclose(g, s / 2, rtol=1e-6)  # dσ/dr = σ/2: a step in r changes σ by a fixed factor
    _, g = sigma_and_gradient(RAW, "softplus")
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-RAW.astype(np.float64))), rtol=1e-6)


def test_only_identity_gives_non_positive_sigma():
    r = np.array([-30.0, -1.0, 0.0], np.float32)
    assert np.all(sigma_from_raw(r, "identity").numpy() <= 0)
    assert np.all(sigma_from_raw(r, "logvar").numpy() > 0)
    assert np.all(sigma_from_raw(r, "softplus").numpy() > 0)


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="float32"):
        sigma_from_raw(np.zeros(3), "logvar")  # float64
    with pytest.raises(ValueError, match="parametrization"):
        sigma_from_raw(np.zeros(3, np.float32), "variance")
    with pytest.raises(ValueError, match="NaN or infinite"):
        sigma_from_raw(np.array([np.inf], np.float32), "logvar")


def test_plot_has_three_panels_of_three_curves():
    fig = plot_sigma_parametrizations(np.linspace(-4, 4, 41, dtype=np.float32))
    axes = fig.axes
    assert len(axes) == 3
    curves = [[line for line in ax.lines if line.get_label() in LABELS.values()] for ax in axes]
    assert all(len(c) == 3 for c in curves)
    r = np.linspace(-4, 4, 41, dtype=np.float32)
    s, g = sigma_and_gradient(r, "softplus")
    np.testing.assert_allclose(curves[1][2].get_ydata(), g)
    np.testing.assert_allclose(curves[2][2].get_ydata(), g / s)
    s, g = sigma_and_gradient(r, "identity")
    np.testing.assert_allclose(curves[2][0].get_xdata(), r[r > 0])  # d log σ / dr only where σ > 0
    plt.close(fig)


# float32 (IEEE 754 binary32): largest value just below 2**128, smallest normal 2**-126, smallest
# subnormal 2**-149. The limits in nats, written from those exponents, not from np.finfo:
LN2 = float(np.log(2.0))


def test_logvar_limits_match_the_binary32_exponent_range():
    lim = float32_logvar_limits()
    np.testing.assert_allclose(lim.variance_overflow, 128 * LN2, rtol=1e-6)
    np.testing.assert_allclose(lim.variance_flush, -126 * LN2, rtol=1e-9)
    np.testing.assert_allclose(lim.variance_underflow, -150 * LN2, rtol=1e-9)  # half of 2**-149 rounds to 0
    np.testing.assert_allclose(lim.std_overflow, 256 * LN2, rtol=1e-6)
    np.testing.assert_allclose(lim.std_flush, -252 * LN2, rtol=1e-9)
    np.testing.assert_allclose(lim.std_underflow, -300 * LN2, rtol=1e-9)


def test_logvar_limits_are_where_tensorflow_and_numpy_exp_give_out():
    import tensorflow as tf

    from vae_course.distributions import std_from_logvar

    lim, d = float32_logvar_limits(), 0.01
    inside = np.array([lim.std_overflow - d, lim.std_flush + d], np.float32)
    outside = np.array([lim.std_overflow + d, lim.std_flush - d], np.float32)
    assert np.all(np.isfinite(std_from_logvar(inside).numpy())) and np.all(std_from_logvar(inside).numpy() > 0)
    np.testing.assert_array_equal(std_from_logvar(outside).numpy(), [np.inf, 0.0])
    var = lambda v: tf.exp(tf.constant(v, tf.float32)).numpy()  # noqa: E731
    assert np.isfinite(var(lim.variance_overflow - d)) and var(lim.variance_overflow + d) == np.inf
    assert var(lim.variance_flush + d) > 0 and var(lim.variance_flush - d) == 0.0  # TensorFlow flushes subnormals
    with np.errstate(under="ignore"):
        assert np.exp(np.float32(lim.variance_underflow + d)) > 0  # NumPy keeps the subnormal ...
        assert np.exp(np.float32(lim.variance_underflow - d)) == 0.0  # ... until it rounds to 0
        assert np.exp(np.float32(lim.std_underflow + d) / 2) > 0 and np.exp(np.float32(lim.std_underflow - d) / 2) == 0
