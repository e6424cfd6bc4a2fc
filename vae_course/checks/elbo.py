"""Checks of exercise 06: ``kl_standard_normal(mean, logvar)`` and ``elbo_single_sample(x, mean, logvar, z, x_logits)``.

References: :func:`vae_course.distributions.kl_standard_normal` and
:func:`vae_course.losses.elbo_single_sample` (lesson 06).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course import distributions, losses
from vae_course.checks.compare import Mistake, judge_gradients, per_example_hint, run_case, tensor_result
from vae_course.checks.decoder_as_distribution import STABLE
from vae_course.checks.harness import CheckFailed, call, checked, success
from vae_course.checks.integer_dtypes import name_integer_dtypes
from vae_course.checks.shortcuts import refuse

__all__ = ["KL_MISTAKES", "check_kl_standard_normal", "ELBO_MISTAKES", "check_elbo_single_sample"]


def _kl_terms(mean, logvar):
    return np.exp(logvar) + np.square(mean) - 1.0 - logvar  # (B, D), float64


KL_MISTAKES = (
    Mistake("A KL divergence is never negative; yours is: check the overall sign.",
            lambda mean, logvar: -0.5 * np.sum(_kl_terms(mean, logvar), -1)),
    Mistake("Your values are twice the answer: the factor ½ is missing.",
            lambda mean, logvar: np.sum(_kl_terms(mean, logvar), -1)),
    Mistake("For mean = 0 and logvar = 0, q is the prior itself and the KL must be 0; yours is not: a constant "
            "term per dimension is missing.", lambda mean, logvar: 0.5 * np.sum(_kl_terms(mean, logvar) + 1.0, -1)),
    Mistake("You used the standard deviation where the variance belongs.",
            lambda mean, logvar: 0.5 * np.sum(np.exp(0.5 * logvar) + np.square(mean) - 1.0 - logvar, -1)),
    Mistake("The squared mean μ² is missing: moving q away from 0 costs KL.",
            lambda mean, logvar: 0.5 * np.sum(np.exp(logvar) - 1.0 - logvar, -1)),
    Mistake("The term −logvar is missing (it makes a very narrow q expensive).",
            lambda mean, logvar: 0.5 * np.sum(np.exp(logvar) + np.square(mean) - 1.0, -1)),
    Mistake("The logvar term has the wrong sign (a very narrow q must cost a lot of KL).",
            lambda mean, logvar: 0.5 * np.sum(np.exp(logvar) + np.square(mean) - 1.0 + logvar, -1)),
    Mistake("That is KL(N(0, I) ‖ q), the reverse direction: the ELBO needs KL(q ‖ N(0, I)).",
            lambda mean, logvar: 0.5 * np.sum(np.exp(-logvar) * (1.0 + np.square(mean)) - 1.0 + logvar, -1)),
    Mistake("You averaged over the last axis: the KL of independent dimensions is the sum of theirs.",
            lambda mean, logvar: 0.5 * np.mean(_kl_terms(mean, logvar), -1)),
    Mistake("You summed over the batch axis (axis 0); sum over the dimensions, the last axis.",
            lambda mean, logvar: 0.5 * np.sum(_kl_terms(mean, logvar), 0)),
)


def _latent(rng, b, d, low=-4.0, high=4.0):
    return {"mean": rng.normal(0, 1.5, (b, d)).astype(np.float32),
            "logvar": rng.uniform(low, high, (b, d)).astype(np.float32)}


def _never_negative(kl_standard_normal, name, case):
    b, d = case["mean"].shape
    tensors = {k: tf.constant(v) for k, v in case.items()}
    got = tensor_result(call(kl_standard_normal, name, tensors), name, (b,), per_example_hint(b, (d,)))
    if np.nanmin(got) < -1e-3:
        i = int(np.nanargmin(got))
        raise CheckFailed(f"{name}: a KL divergence is never negative, yours is {got[i]:.4g} for mean = "
                          f"{case['mean'][i]}, logvar = {case['logvar'][i]}. Check the sign of each term.")


@checked("kl_standard_normal")
@name_integer_dtypes
def check_kl_standard_normal(kl_standard_normal) -> None:
    """Checks the learner's ``kl_standard_normal`` on random and extreme inputs and its gradients."""
    __tracebackhide__ = True
    name = "kl_standard_normal"
    rng = np.random.default_rng(6)
    cases = [_latent(rng, int(rng.integers(1, 9)), int(rng.integers(1, 7))) for _ in range(40)]
    edges = [{"mean": np.zeros((2, 3), np.float32), "logvar": np.zeros((2, 3), np.float32)},
             _latent(rng, 3, 2, -50, 50), {"mean": np.array([[100.0, -100.0]], np.float32),
                                           "logvar": np.array([[-50.0, 50.0]], np.float32)}]
    refuse(kl_standard_normal, name, {k: tf.constant(v) for k, v in cases[0].items()})
    for case in cases + edges:
        b, d = case["mean"].shape
        try:
            run_case(kl_standard_normal, name, case, distributions.kl_standard_normal, expected_shape=(b,),
                     shape_hint=per_example_hint(b, (d,)), mistakes=KL_MISTAKES, rtol=1e-4, atol=1e-4 * d)
            continue
        except CheckFailed as err:
            if str(err).startswith(f"{name}: wrong values.\n"):  # no named mistake: is it at least >= 0?
                _never_negative(kl_standard_normal, name, case)
            raise
    judge_gradients(kl_standard_normal, name, cases[0], ("mean", "logvar"), distributions.kl_standard_normal)
    success(name, "correct on 40 random cases, 3 extreme ones (q = prior, |logvar| = 50) and its gradients")


def _parts(x, mean, logvar, z, x_logits):
    """log p(x|z), log p(z), log q(z|x) and the analytic KL, each (B,) float64."""
    f = distributions
    x, mean, logvar, z, x_logits = (np.asarray(t, np.float32) for t in (x, mean, logvar, z, x_logits))
    log_px = f.bernoulli_log_likelihood(x, x_logits).numpy()
    log_pz = f.log_normal_pdf(z, np.zeros_like(z), np.zeros_like(z)).numpy()
    log_q = f.log_normal_pdf(z, mean, logvar).numpy()
    return [np.asarray(t, np.float64) for t in (log_px, log_pz, log_q, f.kl_standard_normal(mean, logvar).numpy())]


def _elbo_mistake(hint, combine):
    return Mistake(hint, lambda **case: combine(*_parts(**case)))


ELBO_MISTAKES = (
    _elbo_mistake("That is the negative ELBO (the training loss); return the ELBO itself.",
                  lambda px, pz, q, kl: -(px + pz - q)),
    _elbo_mistake("log q(z|x) enters with a minus sign: ELBO = log p(x|z) + log p(z) − log q(z|x).",
                  lambda px, pz, q, kl: px + pz + q),
    _elbo_mistake("The prior term log p(z), the log-density of z under N(0, I), is missing.",
                  lambda px, pz, q, kl: px - q),
    _elbo_mistake("The term −log q(z|x), the log-density of z under the encoder's Gaussian, is missing.",
                  lambda px, pz, q, kl: px + pz),
    _elbo_mistake("Your result is log p(x|z) alone: add log p(z) − log q(z|x). (If you wrote both terms, check that "
                  "log p(z) uses the prior N(0, I), not the encoder's mean and logvar.)",
                  lambda px, pz, q, kl: px),
    _elbo_mistake("You used the analytic KL. This exercise is the single-sample estimate, evaluated at the z you "
                  "are given: log p(x|z) + log p(z) − log q(z|x).",
                  lambda px, pz, q, kl: px - kl),
    _elbo_mistake("The prior and posterior terms have swapped signs: + log p(z) − log q(z|x).",
                  lambda px, pz, q, kl: px - pz + q),
)


def _elbo_case(rng, b, d, logit_scale=3.0, logvar_range=(-3.0, 2.0)):
    case = _latent(rng, b, d, *logvar_range)
    eps = rng.normal(0, 1, (b, d)).astype(np.float32)
    x = (rng.random((b, 28, 28, 1)) < 0.3).astype(np.float32)
    return {"x": x, "mean": case["mean"], "logvar": case["logvar"],
            "z": (case["mean"] + np.exp(0.5 * case["logvar"]) * eps).astype(np.float32),
            "x_logits": rng.normal(0, logit_scale, (b, 28, 28, 1)).astype(np.float32)}


@checked("elbo_single_sample")
@name_integer_dtypes
def check_elbo_single_sample(elbo_single_sample) -> None:
    """Checks the learner's ``elbo_single_sample`` on random and extreme inputs and its gradients."""
    __tracebackhide__ = True
    name = "elbo_single_sample"
    rng = np.random.default_rng(7)
    cases = [_elbo_case(rng, int(rng.integers(1, 5)), int(rng.integers(1, 6))) for _ in range(20)]
    refuse(elbo_single_sample, name, {k: tf.constant(v) for k, v in cases[0].items()})
    edge = _elbo_case(rng, 3, 2, logvar_range=(-20.0, 20.0))
    edge["x_logits"] = np.where(edge["x"] > 0, 1e4, -1e4).astype(np.float32)
    edge["x_logits"][:, :2, :2, :] *= -1
    for case in cases + [edge]:
        b = len(case["x"])
        run_case(elbo_single_sample, name, case, losses.elbo_single_sample, expected_shape=(b,),
                 shape_hint=per_example_hint(b, case["mean"].shape[1:], "the last axis (or the pixel axes)"),
                 mistakes=ELBO_MISTAKES, nonfinite_hint=STABLE, rtol=1e-4, atol=1e-2)
    judge_gradients(elbo_single_sample, name, cases[0], ("mean", "logvar", "z", "x_logits"), losses.elbo_single_sample)
    success(name, "correct on 20 random cases, on logits of ±1e4 and in its gradients")
