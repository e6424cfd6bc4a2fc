"""The train step and what it needs: optimizer, batch order, weight average (lesson 08).

``make_train_step`` compiles one step: loss = -mean ELBO over the batch, one Adam update, then
one update of the moving average of the weights (``weight_average.py``) if the config asks for one.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course.losses import model_elbo
from vae_course.training.config import TrainConfig
from vae_course.training.weight_average import WeightAverage

__all__ = ["make_optimizer", "batch_order", "make_train_step", "make_train_steps"]


def make_optimizer(config: TrainConfig) -> tf.keras.optimizers.Optimizer:
    """Adam with the config's learning rate and schedule (not yet built).

    After ``warmup_epochs`` of linear rise from 0 (if any), "constant" holds the peak rate and
    "cosine" decays it to 0 over the remaining T steps, lr(t) = ½·peak·(1 + cos(π·t / T)).
    """
    lr = config.learning_rate
    total, warmup = config.epochs * config.steps_per_epoch(), round(config.warmup_epochs * config.steps_per_epoch())
    alpha = 1.0 if config.lr_schedule == "constant" else 0.0  # the rate's floor, as a fraction of the peak
    if warmup:
        lr = tf.keras.optimizers.schedules.CosineDecay(0.0, decay_steps=total - warmup, alpha=alpha,
                                                       warmup_target=lr, warmup_steps=warmup)
    elif config.lr_schedule == "cosine":
        lr = tf.keras.optimizers.schedules.CosineDecay(lr, decay_steps=total)
    return tf.keras.optimizers.Adam(learning_rate=lr)


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


def make_train_steps(model, optimizer, estimator: str, seed: int, images, average: WeightAverage | None = None):
    """Several train steps in one compiled call (lesson 10): what ``fit`` runs.

    ``train_steps(idx)`` takes the image indices of S batches, int32 (S, B), and runs, for
    s = 0 .. S−1, the step of :func:`make_train_step` on the batch ``images[idx[s]]``; it returns
    the S losses, (S,), each computed before its own update. The loop is a ``tf.range`` loop inside
    one ``tf.function`` call, so the call overhead is paid once per S steps, and the training images
    stay one tensor, gathered by index. Same seeds and batches give the same weights as S calls of
    ``make_train_step``: eps for global step g is still ``stateless_normal(seed=(seed, g))``.

    Args:
        images: (N, 28, 28, 1) binary training images, uint8 or float32 (each batch is cast to float32).
    """
    images = tf.convert_to_tensor(images)  # (N, 28, 28, 1)
    train_step = make_train_step(model, optimizer, estimator, seed, average)  # traced inline below

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])  # one trace for every (S, B)
    def train_steps(idx):  # idx: (S, B) int32
        losses = tf.TensorArray(tf.float32, size=tf.shape(idx)[0])
        for s in tf.range(tf.shape(idx)[0]):
            x = tf.cast(tf.gather(images, idx[s]), tf.float32)  # (B, 28, 28, 1)
            losses = losses.write(s, train_step(x))
        return losses.stack()  # (S,)

    return train_steps
