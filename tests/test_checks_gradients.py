"""The KL check judges gradients, not only values: answers with the right values and wrong gradients fail."""
import pytest
import tensorflow as tf

from check_assertions import assert_rejected
from vae_course import checks

pytestmark = pytest.mark.usefixtures("judged_without_per_call_restore")  # see conftest.py


def kl_gradient_blocked(mean, logvar):
    """Right values; no gradient reaches logvar (it is all inside tf.stop_gradient)."""
    return (tf.stop_gradient(0.5 * tf.reduce_sum(tf.exp(logvar) - logvar, -1))
            + 0.5 * tf.reduce_sum(tf.square(mean) - 1.0, -1))


@tf.custom_gradient
def kl_gradient_doubled(mean, logvar):
    """Right values; the gradient with respect to mean is twice the true one (2μ instead of μ)."""
    value = 0.5 * tf.reduce_sum(tf.exp(logvar) + tf.square(mean) - 1.0 - logvar, -1)

    def grad(upstream):  # upstream: (B,)
        u = upstream[:, None]
        return u * 2.0 * mean, u * 0.5 * (tf.exp(logvar) - 1.0)

    return value, grad


@pytest.mark.parametrize("wrong, phrase", [
    (kl_gradient_blocked, "no gradient reaches `logvar`"),
    (kl_gradient_doubled, "your values are right but the gradient with respect to `mean` is wrong"),
])
def test_kl_check_rejects_right_values_with_wrong_gradients(wrong, phrase):
    assert_rejected(checks.check_kl_standard_normal, wrong, phrase)
