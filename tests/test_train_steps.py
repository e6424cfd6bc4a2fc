"""Several train steps per compiled call (training.step.make_train_steps, lesson 10): the same
weights as one step per call, and eps of global step g drawn from the stateless seed (seed, g)."""
import io

import numpy as np
import pytest
import tensorflow as tf

from vae_course.losses import model_elbo
from vae_course.training import TrainConfig, build, fit, make_optimizer, make_train_step, make_weight_average
from vae_course.training.step import make_train_steps

CONFIG = TrainConfig(preset="tiny", epochs=2, batch_size=8, learning_rate=3e-3, train_examples=43, test_examples=16,
                     iwae_k=0, seed=5, ema_momentum=0.9)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(1)
    return (rng.random((64, 28, 28, 1)) < rng.random((1, 28, 28, 1)) ** 3).astype(np.float32)


def state(model, optimizer, average):
    return [v.numpy() for v in [*model.variables, *optimizer.variables, *average.variables]]


def test_several_steps_per_call_give_the_weights_of_one_step_per_call(images):
    idx = np.random.default_rng(2).permutation(64)[:48].reshape(6, 8).astype(np.int32)  # 6 batches of 8
    runs = []
    for steps_per_call in (1, 4):
        model, optimizer = build(CONFIG)
        average = make_weight_average(CONFIG, model)
        if steps_per_call == 1:  # the reference: the lesson's single step, on the gathered images
            step = make_train_step(model, optimizer, "analytic", CONFIG.seed, average)
            losses = [float(step(tf.constant(images[row]))) for row in idx]
        else:  # calls of 4 and 2 steps
            steps = make_train_steps(model, optimizer, "analytic", CONFIG.seed, images.astype(np.uint8), average)
            losses = [*steps(tf.constant(idx[:4])).numpy(), *steps(tf.constant(idx[4:])).numpy()]
        assert int(optimizer.iterations) == 6 == int(average.steps)  # one update per step
        runs.append((losses, state(model, optimizer, average)))
    (loss_1, state_1), (loss_4, state_4) = runs
    np.testing.assert_allclose(loss_4, loss_1, rtol=1e-5)
    for a, b in zip(state_1, state_4, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_eps_of_global_step_g_is_stateless_normal_seed_g(images):
    """Step g's loss (the single-sample MC ELBO, very sensitive to eps) equals the loss computed by hand,
    with the weights before step g and eps = stateless_normal(seed=(seed, g)), for g = 5, 6, 7 in one call."""
    idx = np.arange(24, dtype=np.int32).reshape(3, 8)
    model, optimizer = build(CONFIG)
    ref_model, ref_optimizer = build(CONFIG)
    for opt in (optimizer, ref_optimizer):
        opt.iterations.assign(5)
    losses = make_train_steps(model, optimizer, "mc", CONFIG.seed, images)(tf.constant(idx)).numpy()
    ref_step = make_train_step(ref_model, ref_optimizer, "mc", CONFIG.seed)
    for s, row in enumerate(idx):
        x = tf.constant(images[row])
        eps = tf.random.stateless_normal([8, 2], seed=tf.constant([CONFIG.seed, 5 + s], tf.int64))  # (B, D)
        want = -float(tf.reduce_mean(model_elbo(ref_model, x, eps, "mc")))
        assert losses[s] == pytest.approx(want, rel=1e-5), f"step {5 + s}"
        other = tf.random.stateless_normal([8, 2], seed=tf.constant([CONFIG.seed, s], tf.int64))
        assert abs(want + float(tf.reduce_mean(model_elbo(ref_model, x, other, "mc")))) > 1e-3  # eps matters
        ref_step(x)


def test_fit_gives_the_same_weights_for_any_steps_per_call(tmp_path, images):
    """43 images in batches of 8: 5 full batches and one of 3 per epoch, in calls of 1, or of 2, 2, 1 and 1."""
    data = (images[:43], images[48:])
    finals, seen = [], []

    def count(steps, model, average):
        def counted(idx):  # idx (S, B): every training image once per epoch
            seen.extend(np.asarray(idx).ravel().tolist())
            return steps(idx)
        return counted

    for steps_per_call in (1, 2):
        seen.clear()
        model, metrics = fit(CONFIG.replace(steps_per_call=steps_per_call), tmp_path / str(steps_per_call), data,
                             stream=io.StringIO(), wrap_step=count)
        assert sorted(seen) == sorted(list(range(43)) * 2)  # 2 epochs, the last batch of 3 included
        finals.append(([v.numpy() for v in model.variables], metrics))
    (w1, m1), (w2, m2) = finals
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    assert [m["train_loss"] for m in m2] == pytest.approx([m["train_loss"] for m in m1], rel=1e-5)
    assert [m["test_elbo"] for m in m2] == pytest.approx([m["test_elbo"] for m in m1], rel=1e-5)


def test_learning_rate_warms_up_linearly_then_decays_as_a_cosine():
    config = TrainConfig(epochs=2, batch_size=64, train_examples=640, learning_rate=4e-3, warmup_epochs=0.5)
    total, warmup = 20, 5  # 10 steps per epoch
    optimizer = make_optimizer(config)
    optimizer.build([tf.Variable(0.0)])
    for t in (0, 2, 5, 9, 12, 20):
        optimizer.iterations.assign(t)
        want = 4e-3 * t / warmup if t < warmup else 2e-3 * (1 + np.cos(np.pi * (t - warmup) / (total - warmup)))
        assert float(optimizer.learning_rate) == pytest.approx(want, rel=1e-5, abs=1e-9), t
    constant = make_optimizer(config.replace(lr_schedule="constant"))  # the same warm-up, then the peak rate
    constant.build([tf.Variable(0.0)])
    for t, want in ((2, 1.6e-3), (5, 4e-3), (19, 4e-3)):
        constant.iterations.assign(t)
        assert float(constant.learning_rate) == pytest.approx(want, rel=1e-5), t
    with pytest.raises(ValueError, match=r"warmup_epochs must be in \[0, epochs\), got 2"):
        config.replace(warmup_epochs=2)
