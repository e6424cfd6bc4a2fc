"""What stops a training run, as a clear error: a loss that is not finite, a failed step, Ctrl-C (lesson 08).

:func:`~vae_course.training.loop.fit` calls :func:`run_steps` for each compiled call and reads Ctrl-C
only between calls (:func:`ctrl_c_between_calls`), so that a call's losses are never lost.
"""
from __future__ import annotations

import math
import signal
import threading
from contextlib import contextmanager

import numpy as np
import tensorflow as tf

from vae_course.atomic_write import printable
from vae_course.training.run_folder import has_checkpoint

__all__ = ["TrainingDiverged", "TrainingInterrupted", "ctrl_c_between_calls", "run_steps", "interrupted"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the run folder keeps the last good checkpoint, if there was one."""


class TrainingInterrupted(RuntimeError):
    """Ctrl-C: the run folder holds a checkpoint of the last completed step."""


@contextmanager
def ctrl_c_between_calls():
    """``with ctrl_c_between_calls() as pressed:`` Ctrl-C sets ``pressed["yes"]`` instead of raising, so that
    it never falls between a compiled call and the counting of its losses; the loop checks the flag after
    each call and each epoch. Only in the main thread, and only over Python's own handler."""
    pressed = {"yes": False}
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield pressed
        return

    def handler(signum, frame):
        pressed["yes"] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def run_steps(train_steps, idx, out, epoch, first) -> np.ndarray:
    """The S losses of one compiled call, float64 (S,); TrainingDiverged if one is not finite
    (a failed check inside the step, ``InvalidArgumentError``, counts as NaN)."""
    try:
        losses = np.asarray(train_steps(tf.constant(idx, tf.int32)), np.float64)  # (S,)
    except tf.errors.InvalidArgumentError as err:
        losses, detail = np.full(len(idx), math.nan), f" ({err.message.splitlines()[0]})"
    else:
        detail = ""
    bad = np.flatnonzero(~np.isfinite(losses))
    if len(bad):
        kept = (f"The last good checkpoint in {printable(out)} was kept" if has_checkpoint(out) else
                "No checkpoint was saved (none had been written yet)")
        raise TrainingDiverged(f"the loss became {losses[bad[0]]} at epoch {epoch + 1}, step {first + bad[0] + 1}"
                               f"{detail}. {kept}; lower the learning rate and start a new run.")
    return losses


def interrupted(out, where: str) -> TrainingInterrupted:
    """The error for Ctrl-C ``where`` (e.g. "at epoch 2, step 3; its checkpoint"), naming the folder and --resume."""
    shown = printable(out)
    return TrainingInterrupted(f"interrupted {where} is in {shown}. Continue with --resume {shown}.")
