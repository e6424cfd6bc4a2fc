"""Judging a learner's result: type, dtype, shape, values (with named mistakes) and gradients.

Used by the per-lesson checks. Each function raises :class:`~vae_course.checks.harness.CheckFailed`
with a hint, or returns quietly.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from vae_course.checks.harness import CheckFailed, call, fmt_shape

__all__ = ["Mistake", "tensor_result", "is_distribution", "close", "judge_values", "judge_gradients", "run_case",
           "per_example_hint"]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``compute(**case)`` gives its (float64) result, ``hint`` the advice."""
    hint: str
    compute: Callable[..., np.ndarray]


def tensor_result(result, name: str, expected_shape: tuple, shape_hint=None) -> np.ndarray:
    """Checks that ``result`` is a float32 tf.Tensor of ``expected_shape``; returns it as float64 NumPy.

    ``shape_hint(got_shape)`` may return advice for a wrong shape (or None for the generic message).
    """
    if result is None:
        raise CheckFailed(f"{name} returned None: end your function with a `return` statement.")
    if isinstance(result, (tuple, list)):
        raise CheckFailed(f"{name} returned a {type(result).__name__}; return a single tf.Tensor.")
    if is_distribution(result):
        raise CheckFailed(f"{name} returned a TFP distribution ({type(result).__name__}); this exercise asks for "
                          "a tensor of numbers: evaluate what the contract asks for (e.g. a log_prob) and return it.")
    if isinstance(result, (float, int)):
        raise CheckFailed(f"{name} returned a Python {type(result).__name__}, not a tf.Tensor: keep the values in "
                          "TensorFlow (no float(), .numpy() or math.* functions on tensors) and return the tensor.")
    if isinstance(result, (np.ndarray, np.generic)):
        raise CheckFailed(f"{name} returned {type(result).__name__} (NumPy or Python), not a tf.Tensor: gradients "
                          "cannot flow through NumPy. Use TensorFlow ops throughout (tf.exp, tf.reduce_sum, ...) "
                          "and do not call .numpy().")
    if not isinstance(result, (tf.Tensor, tf.Variable)):
        raise CheckFailed(f"{name} returned {type(result).__name__}; expected a float32 tf.Tensor.")
    if result.dtype != tf.float32:
        raise CheckFailed(f"{name} returned dtype {result.dtype.name}; expected float32. Keep every value float32 "
                          "(cast with tf.cast(..., tf.float32) if needed; avoid float64 NumPy arrays).")
    got = tuple(result.shape)
    if got != tuple(expected_shape):
        hint = shape_hint(got) if shape_hint else None
        raise CheckFailed(f"{name} returned shape {fmt_shape(got)}; expected {fmt_shape(expected_shape)}."
                          + (f" {hint}" if hint else ""))
    return np.asarray(result.numpy(), dtype=np.float64)


def is_distribution(value) -> bool:
    """True for a TFP distribution (anything with log_prob, batch_shape and event_shape)."""
    return all(hasattr(value, a) for a in ("log_prob", "batch_shape", "event_shape"))


def close(got, want, rtol: float, atol: float) -> bool:
    return bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True))


def judge_values(name: str, got, want, case: dict, *, mistakes=(), rtol=1e-4, atol=1e-4,
                 nonfinite_hint: str = "", case_hint: str = "", describe=None) -> None:
    """Compares ``got`` with ``want``; on a mismatch names the closest known mistake, else shows an example.

    Args:
        case: the inputs (NumPy) that produced ``got``; passed to each mistake's ``compute``.
        nonfinite_hint: advice when ``got`` holds inf/NaN where ``want`` is finite.
        case_hint: advice specific to this (edge) case, used when no mistake matches.
        describe: ``describe(case, got, want) -> str`` showing an example (default: first differing entry).
    """
    if close(got, want, rtol, atol):
        return
    exact = {k: np.asarray(v, np.float64) for k, v in case.items()}  # mistakes are modelled in exact arithmetic
    for mistake in mistakes:
        with np.errstate(all="ignore"):
            candidate = np.asarray(mistake.compute(**exact), dtype=np.float64)
        if candidate.shape == np.shape(got) and close(got, candidate, rtol, atol) and not close(candidate, want, rtol, atol):
            raise CheckFailed(f"{name}: wrong values. {mistake.hint}")
    if case_hint:
        raise CheckFailed(f"{name}: wrong values. {case_hint}\n{(describe or _describe)(case, got, want)}")
    if nonfinite_hint and not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        raise CheckFailed(f"{name} returned inf or NaN where the answer is finite. {nonfinite_hint}\n"
                          f"{(describe or _describe)(case, got, want)}")
    raise CheckFailed(f"{name}: wrong values.\n{(describe or _describe)(case, got, want)}")


def _describe(case: dict, got, want) -> str:
    """The row (first axis) with the largest error, with the inputs of that row."""
    got, want = np.atleast_1d(got), np.atleast_1d(want)
    with np.errstate(all="ignore"):
        err = np.abs(got - want).reshape(len(got), -1).max(axis=1) if got.ndim else np.abs(got - want)
    err = np.where(np.isnan(err), np.inf, err)
    i = int(np.argmax(err))
    inputs = ", ".join(f"{k}={_short(np.asarray(v)[i] if np.ndim(v) else v)}" for k, v in case.items())
    return f"Example (row {i} of the batch): {inputs}\n  you returned {_short(got[i])}, expected {_short(want[i])}."


def _short(value) -> str:
    value = np.asarray(value)
    if value.size > 8:
        return f"an array of shape {value.shape}"
    return np.array2string(value, precision=4, separator=", ", suppress_small=False)


def judge_gradients(fn, name: str, case: dict, wrt: tuple, reference, *, rtol=1e-3, atol=1e-4) -> None:
    """Checks d(sum of w * fn(...))/d(arg) against the reference's, for each arg in ``wrt``.

    Catches results that are tensors but detached from the inputs (NumPy or .numpy() inside).
    """
    tensors = {k: tf.constant(v) for k, v in case.items()}
    weights = None
    grads = {}
    for label, function in (("yours", fn), ("reference", reference)):
        with tf.GradientTape() as tape:
            for key in wrt:
                tape.watch(tensors[key])
            out = call(function, name, tensors) if label == "yours" else function(**tensors)
            if label == "yours" and not isinstance(out, (tf.Tensor, tf.Variable)):
                raise CheckFailed(f"{name} returned {type(out).__name__}, not a tf.Tensor: gradients cannot flow. "
                                  "Use TensorFlow ops throughout.")
            if weights is None:
                weights = tf.constant(np.linspace(0.5, 1.5, int(np.prod(out.shape))).reshape(out.shape), out.dtype)
            total = tf.reduce_sum(tf.cast(out, tf.float32) * weights)
        grads[label] = tape.gradient(total, [tensors[k] for k in wrt])
    for key, mine, ref in zip(wrt, grads["yours"], grads["reference"]):
        if mine is None:
            raise CheckFailed(f"{name}: no gradient reaches `{key}`. Part of your computation left TensorFlow "
                              "(a NumPy function such as np.exp, or .numpy()), or used tf.stop_gradient. "
                              "Use TensorFlow ops only.")
        if not close(mine.numpy(), ref.numpy(), rtol, atol):
            raise CheckFailed(f"{name}: your values are right but the gradient with respect to `{key}` is wrong; "
                              "compute the result with plain differentiable TensorFlow ops (no tf.stop_gradient, "
                              "no rounding, no custom gradients).")


def run_case(fn, name: str, case: dict, reference, *, expected_shape, shape_hint=None, **judge) -> None:
    """Calls ``fn`` on ``case`` (NumPy values, passed as float32 tensors) and judges it against ``reference``."""
    tensors = {k: tf.constant(v) for k, v in case.items()}
    got = tensor_result(call(fn, name, tensors), name, expected_shape, shape_hint)
    want = np.asarray(reference(**tensors), dtype=np.float64)
    judge_values(name, got, want, case, **judge)


def per_example_hint(batch: int, item_shape: tuple, axes_words: str = "the last axis (axis=-1)"):
    """A ``shape_hint`` for results that must be (B,): one number per example."""

    def hint(got):
        if got == (batch, *item_shape):
            return f"You returned one value per entry: sum over {axes_words} to get one value per example."
        if got == ():
            return f"You reduced the batch axis too: sum only over {axes_words}, keeping one value per example."
        if len(got) >= 2 and got[0] == batch and all(d == 1 for d in got[1:]):
            kept = [d for d in item_shape if d != 1]
            if len(got) - 1 == len(item_shape) or not kept:
                return "Drop the trailing axes of size 1 (do not use keepdims=True)."
            return (f"You summed over some axes but not all: a shape {fmt_shape(got)} still has an axis of size 1 "
                    f"(the channel axis). Sum over {axes_words}.")
        if got and got[0] != batch:
            return (f"The first axis must be the batch axis, size {batch} (one value per example); "
                    "yours has size " + str(got[0]) + ": reduce the other axes, not the batch axis.")
        return None

    return hint
