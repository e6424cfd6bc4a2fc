"""A moving average of the weights (an exponential moving average), used by the course preset (lesson 10).

Training steps change the weights w; after each step the average a follows them:

    a_t = m_t · a_(t−1) + (1 − m_t) · w_t,   m_t = min(m, (1 + t) / (10 + t)),   a_0 = w_0

Once t is large, m_t = m and a_t averages roughly the last 1/(1 − m) steps, which cancels much of
the minibatch noise that large learning rates leave in the weights. Early on m_t is small, so the
average follows fast-changing weights closely instead of remembering the random initial ones
(TensorFlow 1's ``ExponentialMovingAverage(num_updates=...)`` rule). Evaluations and saved weights
use the average; training always continues from the weights themselves.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext

import tensorflow as tf

from vae_course.contracts import check_momentum

__all__ = ["WeightAverage", "make_weight_average", "averaged"]


class WeightAverage:
    """The moving average of some weights, e.g. ``model.trainable_variables``.

    Args:
        weights: the tf.Variables to follow (the average starts equal to them).
        momentum: m in [0, 1); 0 makes the average equal to the latest weights.
    """

    def __init__(self, weights, momentum: float):
        self.momentum = check_momentum(momentum, "momentum")
        self.weights = list(weights)
        self.steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="average_steps")  # t
        self.averages = [tf.Variable(w, trainable=False, name="average") for w in self.weights]  # a_t

    @property
    def variables(self) -> list:
        """What a checkpoint must save to resume the average: the step count and the averages."""
        return [self.steps, *self.averages]

    def update(self) -> None:
        """Moves the average towards the current weights; call it after each optimizer step
        (eagerly or inside a ``tf.function``)."""
        t = tf.cast(self.steps + 1, tf.float32)
        m = tf.minimum(self.momentum, (1.0 + t) / (10.0 + t))  # m_t
        for average, w in zip(self.averages, self.weights, strict=True):
            average.assign(m * average + (1.0 - m) * w)
        self.steps.assign_add(1)

    @contextmanager
    def applied(self):
        """Inside the ``with`` block the weights hold the averages; afterwards, their own values."""
        own = [w.numpy() for w in self.weights]
        self.copy_to_weights()
        try:
            yield
        finally:
            for w, value in zip(self.weights, own, strict=True):
                w.assign(value)

    def copy_to_weights(self) -> None:
        """Replaces the weights by the averages, for good (at the end of training)."""
        for w, average in zip(self.weights, self.averages, strict=True):
            w.assign(average)


def make_weight_average(config, model) -> WeightAverage | None:
    """The moving average of the model's weights that a TrainConfig asks for, or None (``ema_momentum`` 0)."""
    if config.ema_momentum == 0:
        return None
    return WeightAverage(model.trainable_variables, config.ema_momentum)


def averaged(average: WeightAverage | None):
    """``with averaged(average):`` the model holds the averaged weights (nothing changes for None)."""
    return average.applied() if average is not None else nullcontext()
