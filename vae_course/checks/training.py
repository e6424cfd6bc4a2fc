"""Check of exercise 08, ``train_step(model, x, optimizer)``: one Adam step on −mean ELBO; returns the loss.

The check builds a small CVAE (latent_dim=2) whose encoder is shifted so that q(z|x) is far from
the prior (then a forgotten KL, prior or entropy term changes the loss by several nats), and
compares the learner's returned loss, averaged over a few calls from the same start, with the
expected negative mean ELBO, E[−mean_B (log p(x|z) + log p(z) − log q(z|x))], estimated with many
noise draws. The tolerance comes from the spread of the single-sample estimate. The loss is the
**mean** over the batch (so that the loss reads as nats per image at any batch size).

The estimator is the single-sample one of exercise 06.2, as the contract says, not the analytic KL
(lesson 08's loop uses that one): the check records the z each call decodes (the decoder network
writes it to a variable, whether reached through ``model.decode`` or ``model.decoder``, in eager
mode and inside a ``tf.function`` alike) and compares the returned loss with both estimates at that
z. An answer that calls the package's ``make_train_step`` or ``losses.model_elbo`` is refused
(:mod:`vae_course.checks.shortcuts`).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import tensorflow as tf

from vae_course.checks.harness import CheckFailed, call, checked, success
from vae_course.checks.shortcuts import refuse
from vae_course.distributions import LOG_2PI, bernoulli_log_likelihood
from vae_course.models import CVAE

__all__ = ["NAME", "BATCH", "TRIALS", "STEPS", "DRAWS", "ENCODER_BIAS", "ANALYTIC", "check_train_step"]

NAME = "train_step"
BATCH, TRIALS, STEPS, DRAWS = 32, 5, 6, 16
# Encoder output bias (mean_1, mean_2, logvar_1, logvar_2): q(z|x) narrow (σ ≈ 0.01) and far from the prior, so
# the Monte Carlo noise is small while KL ≈ 17, E log p(z) ≈ −11 and the entropy of q ≈ −6 nats are large.
ENCODER_BIAS = (3.0, -3.0, -9.0, -9.0)


def _setup(rng):
    model = CVAE(latent_dim=2)
    model.encoder.dense.bias.assign(ENCODER_BIAS)
    x = tf.constant((rng.random((BATCH, 28, 28, 1)) < 0.2).astype(np.float32))  # random binary "digits"
    optimizer = tf.keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)
    _watch_decode(model)
    return model, x, optimizer


def _watch_decode(model):
    """Records, on the model, whether the learner's step asked ``decode`` for probabilities instead of logits,
    and, in ``model.z_seen`` (a variable outside the model), the last z the decoder network ran on and how many
    times it ran: through ``model.decode`` or by calling ``model.decoder`` itself, eagerly or traced."""
    decode, network_call, model.sigmoid_calls = model.decode, model.decoder.call, []
    model.plain_decode = decode
    model.z_seen = {"z": tf.Variable(tf.zeros((0, 2)), shape=tf.TensorShape(None), trainable=False),
                    "calls": tf.Variable(0, trainable=False)}

    def watched(z, apply_sigmoid=False):
        model.sigmoid_calls.append(bool(apply_sigmoid))
        return decode(z, apply_sigmoid=apply_sigmoid)

    def recorded(z, *args, **kwargs):
        model.z_seen["z"].assign(tf.cast(z, tf.float32))
        model.z_seen["calls"].assign_add(1)
        return network_call(z, *args, **kwargs)

    model.decode, model.decoder.call = watched, recorded


def _snapshot(model, optimizer):
    return [v.numpy() for v in model.variables], [v.numpy() for v in optimizer.variables]


def _restore(model, optimizer, snapshot):
    for variable, value in zip(model.variables + optimizer.variables, snapshot[0] + snapshot[1]):
        variable.assign(value)


def _reference(model, x, rng):
    """Batch means of log p(x|z), log p(z), entropy of q, and the per-call spread of the single-sample loss."""
    mean, logvar = model.encode(x)  # (B, 2)
    mean, logvar = mean.numpy().astype(np.float64), logvar.numpy().astype(np.float64)
    eps = rng.normal(size=(DRAWS,) + mean.shape)
    z = mean + np.exp(0.5 * logvar) * eps  # (M, B, 2)
    x_rep = tf.reshape(tf.tile(x[None], [DRAWS, 1, 1, 1, 1]), (-1, 28, 28, 1))
    logits = model.decode(tf.constant(z.reshape(-1, 2), tf.float32))
    log_px = bernoulli_log_likelihood(x_rep, logits).numpy().reshape(DRAWS, -1)  # (M, B)
    log_pz = -0.5 * np.sum(z ** 2 + LOG_2PI, -1)
    log_q = -0.5 * np.sum(eps ** 2 + logvar + LOG_2PI, -1)
    single = -(log_px + log_pz - log_q).mean(axis=1)  # (M,): the loss from one draw of eps per example
    terms = {"R": log_px.mean(), "LPZ": -0.5 * np.mean(np.sum(mean ** 2 + np.exp(logvar) + LOG_2PI, -1)),
             "H": 0.5 * np.mean(np.sum(1.0 + logvar + LOG_2PI, -1))}
    terms["loss"] = -(terms["R"] + terms["LPZ"] + terms["H"])
    terms["sd"] = float(np.std(single, ddof=1))
    terms["mean"], terms["logvar"] = mean, logvar
    return terms


def _estimates_at(model, x, z, ref):
    """(single-sample loss, analytic-KL loss) of the batch at the decoded z, with the weights of the start."""
    z = np.asarray(z, np.float64)  # (B, 2)
    mean, logvar = ref["mean"], ref["logvar"]
    log_px = bernoulli_log_likelihood(x, model.plain_decode(tf.constant(z, tf.float32))).numpy().astype(np.float64)
    log_pz = -0.5 * np.sum(z ** 2 + LOG_2PI, -1)
    log_q = -0.5 * np.sum((z - mean) ** 2 * np.exp(-logvar) + logvar + LOG_2PI, -1)
    kl = 0.5 * np.sum(np.exp(logvar) + mean ** 2 - 1.0 - logvar, -1)
    return float(-np.mean(log_px + log_pz - log_q)), float(-np.mean(log_px - kl))


ANALYTIC = ("your loss uses the analytic KL (log p(x|z) − KL(q ‖ p), as lesson 08's loop does). This exercise asks "
            "for the single-sample estimate of exercise 06.2, as its contract says: log p(x|z) + log p(z) − log q(z|x) "
            "at the z your step drew.")


def _judge_estimator(losses, zs, model, x, ref, start, optimizer):
    """Fails when every call's loss is the analytic-KL one at its own z and not the single-sample one."""
    if not zs or any(z is None for z in zs):
        return  # the decoder did not run exactly once per call: the statistical test judges alone
    _restore(model, optimizer, start)
    both = [_estimates_at(model, x, z, ref) for z in zs]
    tol = [2e-5 * abs(mc) + 2e-3 for mc, _ in both]
    single = all(abs(loss - mc) <= t for loss, (mc, _), t in zip(losses, both, tol))
    analytic = all(abs(loss - an) <= t for loss, (_, an), t in zip(losses, both, tol))
    if analytic and not single:
        raise CheckFailed(f"{NAME}: {ANALYTIC}")


def _decoded_z(model, before):
    """The z of the last call, if that call decoded exactly once with a (BATCH, 2) z; else None."""
    z = model.z_seen["z"].numpy()
    return z if int(model.z_seen["calls"].numpy()) == before + 1 and z.shape == (BATCH, 2) else None


def _step(train_step, model, x, optimizer, seconds):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = call(train_step, NAME, {"model": model, "x": x, "optimizer": optimizer}, seconds=seconds)
    if any(model.sigmoid_calls):
        raise CheckFailed(f"{NAME} called model.decode(z, apply_sigmoid=True), which returns pixel probabilities; "
                          "the Bernoulli log-likelihood is computed from the logits, model.decode(z).")
    if loss is None:
        raise CheckFailed(f"{NAME} returned None: return the loss (a scalar tf.Tensor).")
    if isinstance(loss, (float, int, np.ndarray, np.generic)):
        raise CheckFailed(f"{NAME} returned a {type(loss).__name__}: return the loss tensor itself (a scalar "
                          "tf.Tensor), without .numpy() or float().")
    if not isinstance(loss, (tf.Tensor, tf.Variable)):
        raise CheckFailed(f"{NAME} returned {type(loss).__name__}; return the loss, a scalar float32 tf.Tensor.")
    if loss.dtype != tf.float32:
        raise CheckFailed(f"{NAME} returned dtype {loss.dtype.name}; expected a float32 scalar.")
    if tuple(loss.shape) == (BATCH,):
        raise CheckFailed(f"{NAME} returned one loss per example, shape ({BATCH},): return their mean over the "
                          "batch, a scalar (the gradient step needs a single number to minimize).")
    if tuple(loss.shape) != ():
        raise CheckFailed(f"{NAME} returned shape {tuple(loss.shape)}; expected a scalar, shape ().")
    if not np.isfinite(float(loss)):
        raise CheckFailed(f"{NAME} returned {float(loss)}; expected a finite loss.")
    return float(loss)


def _judge_updates(model, optimizer, snapshot):
    steps = int(optimizer.iterations.numpy())  # the optimizer starts at 0
    changed = {v.path: not np.array_equal(v.numpy(), old) for v, old in zip(model.variables, snapshot[0])}
    if not any(changed.values()):
        raise CheckFailed(f"{NAME} did not change the model's weights: compute the gradients of the loss with a "
                          "tf.GradientTape and apply them with optimizer.apply_gradients(zip(gradients, "
                          "model.trainable_variables)).")
    if steps != 1:
        raise CheckFailed(f"{NAME} made {steps} optimizer steps; one call must make exactly one, with the optimizer "
                          "it is given (optimizer.apply_gradients, once).")
    for part in ("encoder", "decoder"):
        frozen = [p for p, c in changed.items() if p.startswith(part) and not c]
        if frozen:
            raise CheckFailed(f"{NAME} did not update the {part}'s weights ({', '.join(frozen[:3])}...). Both networks "
                              "must learn: run model.encode and model.decode inside the GradientTape and take the "
                              "gradient with respect to model.trainable_variables (encoder and decoder together).")


def _judge_loss(losses, ref):
    mean, spread = float(np.mean(losses)), float(np.std(losses, ddof=1))
    if spread == 0.0:
        raise CheckFailed(f"{NAME} returned exactly the same loss on {len(losses)} calls from the same start: draw "
                          "fresh noise eps in every call (e.g. tf.random.normal) and use z = mean + σ·eps, not z = mean.")
    tol = 5.0 * max(ref["sd"], spread) / math.sqrt(len(losses)) + 2e-4 * abs(ref["loss"])
    e, lpz, h = ref["loss"], ref["LPZ"], ref["H"]
    if abs(mean - e) <= tol:
        return
    candidates = (
        (-e, "Your loss is the ELBO itself; the loss to minimize is the negative ELBO."),
        (BATCH * e, "Your loss is the sum over the batch; this course uses the mean over the batch (so the loss "
                    "reads as nats per image at any batch size): −mean ELBO."),
        (e + lpz + h, "The KL term is missing: your loss only has the reconstruction term −log p(x|z). Add the KL "
                      "(or log p(z) − log q(z|x))."),
        (e + lpz, "The prior term log p(z) is missing from your ELBO."),
        (e + h, "The term −log q(z|x) is missing from your ELBO."),
        (e + 2 * h, "log q(z|x) enters the ELBO with a minus sign: ELBO = log p(x|z) + log p(z) − log q(z|x)."),
        (e + 2 * (lpz + h), "The KL term has the wrong sign: ELBO = log p(x|z) − KL(q ‖ p), so the loss adds the KL."),
    )
    for value, hint in candidates:
        if abs(mean - value) <= tol and abs(value - e) > tol:
            raise CheckFailed(f"{NAME}: wrong loss ({mean:.2f} on average, expected about {e:.2f}). {hint}")
    raise CheckFailed(f"{NAME}: your loss is {mean:.2f} on average over {len(losses)} calls; expected about {e:.2f} "
                      f"(± {tol:.2f}), the negative mean ELBO of the batch before the step.")


@checked(NAME)
def check_train_step(train_step) -> None:
    """Checks the learner's ``train_step``: the loss it returns, the weights it updates, and that it learns."""
    __tracebackhide__ = True
    rng = np.random.default_rng(8)
    model, x, optimizer = _setup(rng)
    start = _snapshot(model, optimizer)
    ref = _reference(model, x, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refuse(train_step, NAME, {"model": model, "x": x, "optimizer": optimizer}, seconds=30.0)  # 1st: traces
    _restore(model, optimizer, start)
    model.sigmoid_calls.clear()
    losses, zs = [], []
    for trial in range(TRIALS):
        if trial:
            _restore(model, optimizer, start)
        before = int(model.z_seen["calls"].numpy())
        losses.append(_step(train_step, model, x, optimizer, seconds=10.0 if trial else 30.0))  # 1st: may trace
        zs.append(_decoded_z(model, before))
        if not trial:
            _judge_updates(model, optimizer, start)
    _judge_estimator(losses, zs, model, x, ref, start, optimizer)
    _judge_loss(losses, ref)
    _restore(model, optimizer, start)
    for _ in range(STEPS):
        _step(train_step, model, x, optimizer, seconds=10.0)
    after = _reference(model, x, np.random.default_rng(9))["loss"]
    if not after < ref["loss"] - 2.0:
        raise CheckFailed(f"{NAME}: the loss did not go down over {STEPS} steps on the same batch (from about "
                          f"{ref['loss']:.1f} to {after:.1f}). Apply the gradients of the loss itself (not of the ELBO, "
                          "not negated): the optimizer minimizes.")
    success(NAME, f"returns −mean ELBO, updates encoder and decoder, and lowers the loss over {STEPS} steps")
