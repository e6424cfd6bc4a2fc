"""WeightAverage against a numpy reference of a_t = m_t a_(t-1) + (1 - m_t) w_t, m_t = min(m, (1+t)/(10+t))."""
import numpy as np
import pytest
import tensorflow as tf

from vae_course.training.weight_average import WeightAverage


def reference_average(w0, history, m):
    a = w0
    for t, w in enumerate(history, start=1):
        m_t = min(m, (1 + t) / (10 + t))
        a = m_t * a + (1 - m_t) * w
    return a


@pytest.mark.parametrize("m", [0.0, 0.5, 0.99])
@pytest.mark.parametrize("compiled", [False, True])
def test_update_matches_the_reference(m, compiled):
    rng = np.random.default_rng(0)
    w = tf.Variable(rng.normal(size=(3, 4)).astype(np.float32))
    w0 = w.numpy().astype(np.float64)
    average = WeightAverage([w], m)
    update = tf.function(average.update) if compiled else average.update
    history = []
    for _ in range(40):
        w.assign_add(rng.normal(size=(3, 4)).astype(np.float32))  # a random walk, like noisy SGD
        history.append(w.numpy().astype(np.float64))
        update()
    np.testing.assert_allclose(average.averages[0].numpy(), reference_average(w0, history, m), rtol=1e-5, atol=1e-5)
    assert int(average.steps) == 40
    if m == 0.0:
        np.testing.assert_array_equal(average.averages[0].numpy(), w.numpy())


def test_warm_up_forgets_the_initial_weights():
    """After 40 steps the average must sit near the recent weights, not near w_0: without the
    warm-up (plain m = 0.99 from a_0 = w_0), w_0 would still weigh 0.99^40 = 0.67."""
    w = tf.Variable(np.zeros(5, np.float32))
    average = WeightAverage([w], 0.99)
    for t in range(1, 41):
        w.assign(np.full(5, t, np.float32))  # weights move steadily from 0 to 40
        average.update()
    assert 30 < float(average.averages[0][0]) < 40


def test_applied_swaps_the_averages_in_and_back_even_after_an_error():
    w = tf.Variable([1.0, 2.0])
    average = WeightAverage([w], 0.9)
    w.assign([3.0, 5.0])
    average.update()  # m_1 = min(0.9, 2/11): a = 2/11 * [1, 2] + 9/11 * [3, 5]
    expected = (2 / 11) * np.array([1.0, 2.0]) + (9 / 11) * np.array([3.0, 5.0])
    with average.applied():
        np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(w.numpy(), [3.0, 5.0])
    with pytest.raises(RuntimeError):
        with average.applied():
            raise RuntimeError("evaluation failed")
    np.testing.assert_array_equal(w.numpy(), [3.0, 5.0])
    average.copy_to_weights()
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("m", [1.0, -0.1, 1.5])
def test_momentum_outside_0_1_is_refused(m):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        WeightAverage([tf.Variable(1.0)], m)
