"""Two promises of the training loop that a wrong implementation could break silently (lesson 08).

- The noise of global step g is ``stateless_normal([B, D], seed=(seed, g))``: a function of the seed
  and the step alone, different at every step (so a resumed run draws the same noise).
- ``on_epoch_end`` (the per-epoch samples and the GIF) sees the averaged weights, the ones that are
  saved and returned, not the raw weights training continues from.

Both are observed through ``fit`` on drawn binary digits, whatever the number of steps the train step
runs per call: the noise is recorded where the step hands it to the ELBO.
"""
from __future__ import annotations

import io

import numpy as np
import pytest
import tensorflow as tf

from drawn_digits import draw_binary_digits
from vae_course.training import TrainConfig, fit
from vae_course.training import step as step_module

CONFIG = TrainConfig(preset="contract", latent_dim=2, epochs=2, batch_size=32, learning_rate=3e-3,
                     lr_schedule="constant", ema_momentum=0.7, train_examples=128, test_examples=32, iwae_k=0,
                     seed=5)
STEPS = CONFIG.epochs * CONFIG.steps_per_epoch()  # 8 steps of 32 images


@pytest.fixture(scope="module")
def data():
    x = draw_binary_digits(160, seed=2)
    return x[:128], x[128:]


def test_the_noise_of_step_g_is_stateless_normal_of_seed_and_g(tmp_path, data, monkeypatch):
    recorded = []
    real_elbo = step_module.model_elbo

    def spy(model, x, eps, *args, **kwargs):  # records eps when the step runs, compiled or not
        token = tf.py_function(lambda e: recorded.append(e.numpy()) or 0, [eps], tf.int32)
        with tf.control_dependencies([token]):
            eps = tf.identity(eps)
        return real_elbo(model, x, eps, *args, **kwargs)

    monkeypatch.setattr(step_module, "model_elbo", spy)
    fit(CONFIG, tmp_path, data, stream=io.StringIO())
    assert len(recorded) == STEPS
    reference = [tf.random.stateless_normal([CONFIG.batch_size, CONFIG.latent_dim], seed=(CONFIG.seed, g)).numpy()
                 for g in range(STEPS)]  # (32, 2) each
    assert all(eps.shape == (CONFIG.batch_size, CONFIG.latent_dim) for eps in recorded)
    steps = [next((g for g, ref in enumerate(reference) if np.array_equal(eps, ref)), None) for eps in recorded]
    assert sorted(steps, key=str) == list(range(STEPS)), (  # in any order, should steps run several per call
        f"recorded eps match the steps {steps}; expected each of 0..{STEPS - 1} once")
    assert len({eps.tobytes() for eps in recorded}) == STEPS  # new noise at every step


def test_on_epoch_end_sees_the_averaged_weights_that_are_saved(tmp_path, data):
    seen = {}

    def record(model, metrics):
        seen[metrics[-1]["epoch"]] = [v.numpy() for v in model.trainable_variables]

    raw = {}

    def keep_raw_weights(step, model, average):  # the weights training continues from, after each step
        def wrapped(*args, **kwargs):
            loss = step(*args, **kwargs)
            raw["last"] = [v.numpy() for v in model.trainable_variables]
            return loss
        return wrapped

    model, _ = fit(CONFIG, tmp_path / "two", data, on_epoch_end=record, stream=io.StringIO(),
                   wrap_step=keep_raw_weights)
    assert sorted(seen) == [1, 2]
    # Epoch 2: the weights fit returns, i.e. the moving average (test_training checks it against numpy).
    for got, want in zip(seen[2], model.trainable_variables, strict=True):
        np.testing.assert_array_equal(got, want.numpy())
    assert max(np.abs(a - w).max() for a, w in zip(seen[2], raw["last"])) > 1e-3  # not the raw weights
    # Epoch 1: what a 1-epoch run returns (same batches, noise and constant learning rate up to there).
    one_epoch, _ = fit(CONFIG.replace(epochs=1), tmp_path / "one", data, stream=io.StringIO())
    for got, want in zip(seen[1], one_epoch.trainable_variables, strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=0, atol=1e-6)
