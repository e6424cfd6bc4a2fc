"""The train step and what it needs: optimizer, batch order, weight average (lesson 08).

``make_train_step`` compiles one step: loss = -mean ELBO over the batch, one Adam update, then
one update of the moving average of the weights if the config asks for one.
"""
from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import tensorflow as tf

from vae_course.losses import model_elbo
from vae_course.training.config import TrainConfig
from vae_course.training.weight_average import WeightAverage

__all__ = ["make_optimizer", "make_weight_average", "averaged", "batch_order", "make_train_step"]


def make_optimizer(config: TrainConfig) -> tf.keras.optimizers.Optimizer:
    """Adam with the config's learning rate and schedule (not yet built)."""
    lr = config.learning_rate
    if config.lr_schedule == "cosine":
        lr = tf.keras.optimizers.schedules.CosineDecay(lr, decay_steps=config.epochs * config.steps_per_epoch())
    return tf.keras.optimizers.Adam(learning_rate=lr)


def make_weight_average(config: TrainConfig, model) -> WeightAverage | None:
    """The moving average of the model's weights that the config asks for, or None (``ema_momentum`` 0)."""
    if config.ema_momentum == 0:
        return None
    return WeightAverage(model.trainable_variables, config.ema_momentum)


def averaged(average: WeightAverage | None):
    """``with averaged(average):`` the model holds the averaged weights (nothing changes for None)."""
    return average.applied() if average is not None else nullcontext()


def batch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The permutation of ``n`` training images used in ``epoch``: a function of (seed, epoch) only,
    so an interrupted run resumes with exactly the same batches."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def make_train_step(model, optimizer, estimator: str, seed: int, average: WeightAverage | None = None):
    """A compiled step: loss = −mean ELBO over the batch, one Adam update, then one update of the
    weight average if there is one; returns the loss.

    eps for global step g is ``stateless_normal(seed=(seed, g))`` with g = optimizer.iterations,
    so the noise depends only on the seed and the step, never on how often the run was resumed.
    """

    @tf.function(reduce_retracing=True)
    def train_step(x):  # x: (B, 28, 28, 1)
        step_seed = tf.stack([tf.constant(seed, tf.int64), tf.cast(optimizer.iterations, tf.int64)])
        eps = tf.random.stateless_normal([tf.shape(x)[0], model.latent_dim], seed=step_seed)  # (B, D)
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(model_elbo(model, x, eps, estimator))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        if average is not None:
            average.update()
        return loss

    return train_step
