"""The training loop: resumable, guarded against divergence and Ctrl-C (lesson 08).

Position in the run is ``optimizer.iterations`` alone: epoch = g // steps_per_epoch. Batch
order and eps are functions of (seed, epoch) and (seed, g), so a run resumed after an
interrupt computes exactly the same steps as one that never stopped.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np
import tensorflow as tf

from vae_course.atomic_write import printable, remove_stale_temporaries
from vae_course.models import CVAE
from vae_course.training.config import TrainConfig
from vae_course.training.evaluation import Evaluator, iwae_subset
from vae_course.training.lock import run_folder_lock
from vae_course.training.progress import ProgressBar
from vae_course.training.run_folder import has_checkpoint, load_checkpoint, save_checkpoint, write_metrics
from vae_course.training.step import (averaged, batch_order, make_optimizer, make_train_steps,
                                      make_weight_average)
from vae_course.training.wall_clock import WallClock

__all__ = ["TrainingDiverged", "TrainingInterrupted", "build", "fit"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the run folder keeps the last good checkpoint, if there was one."""


class TrainingInterrupted(RuntimeError):
    """Ctrl-C: the run folder holds a checkpoint of the last completed step."""


def build(config: TrainConfig):
    """A freshly initialised model (weights seeded by ``config.seed``) and its built optimizer."""
    tf.keras.utils.set_random_seed(config.seed)
    model = CVAE(latent_dim=config.latent_dim)
    optimizer = make_optimizer(config)
    optimizer.build(model.trainable_variables)
    return model, optimizer


def _blocks(order: np.ndarray, batch_size: int, steps_per_call: int, start: int):
    """The epoch's batches from step ``start`` on, grouped into calls: (first step, idx (S, B)) pairs.
    A smaller last batch (N not a multiple of B) gets a call of its own."""
    n_full = len(order) // batch_size
    full = order[: n_full * batch_size].reshape(n_full, batch_size)  # (steps, B)
    for first in range(start, n_full, steps_per_call):
        yield first, full[first:first + steps_per_call]
    if len(order) > n_full * batch_size and start <= n_full:
        yield n_full, order[n_full * batch_size:][None]  # (1, N mod B)


@contextmanager
def _ctrl_c_between_calls():
    """``with _ctrl_c_between_calls() as pressed:`` Ctrl-C sets ``pressed["yes"]`` instead of raising, so that
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


def fit(config: TrainConfig, out_dir, data, *, resume=False, on_epoch_end=None, stream=None, wrap_step=None,
        clock: WallClock | None = None, work_after_fit: float = 0.0):
    """Trains ``config`` on ``data`` and writes checkpoint and metrics into ``out_dir``.

    Args:
        config: the run's settings.
        out_dir: run folder; created if needed.
        data: ``(x_train, x_test)``, float32 binary arrays (N, 28, 28, 1); the config's
            ``train_examples``/``test_examples`` first images are used.
        resume: continue from the checkpoint in ``out_dir`` (its config must equal ``config``).
        on_epoch_end: called as ``on_epoch_end(model, metrics)`` after each epoch.
        stream: where the progress bar writes (default stderr).
        wrap_step: ``wrap_step(train_steps, model, average)`` returns the function to call instead
            of ``train_steps`` (see :func:`make_train_steps`: int32 indices (S, B) in, S losses out;
            S is ``config.steps_per_call`` or less); tests inject faults, the benchmark times calls
            and evaluates between them. ``average`` is the run's WeightAverage or None.
        clock: the run's :class:`WallClock`; train steps and per-epoch evaluations are charged to it.
        work_after_fit: what the caller will do after ``fit``, in units of one per-epoch evaluation
            (for the run's ETA on the progress bar).

    The per-epoch test ELBO (metrics.csv) is the mean over a fixed random subset of
    ``config.epoch_test_images`` of the test images, the same subset every epoch and every run
    (``training.evaluation.iwae_subset``); the final report evaluates all of them.

    Test ELBOs, ``on_epoch_end`` and the returned model use the moving average of the weights
    when the config asks for one (``ema_momentum`` > 0); the checkpoint keeps both.

    The run folder is locked while ``fit`` runs (``training.lock``): a second training into the same
    folder is refused. A resumed run first completes what the last epoch's end may have left undone
    (its metrics row; ``on_epoch_end`` is called again for it, e.g. to write its sample frame).

    Returns:
        ``(model, metrics)``; metrics is a list of dicts (epoch, train_loss, test_elbo, seconds).

    Raises:
        TrainingDiverged, TrainingInterrupted, training.lock.RunFolderBusy.
    """
    with run_folder_lock(out_dir):
        return _fit(config, Path(out_dir), data, resume, on_epoch_end, stream, wrap_step, clock, work_after_fit)


def _fit(config, out, data, resume, on_epoch_end, stream, wrap_step, clock, work_after_fit):
    clock = clock if clock is not None else WallClock()
    x_train, x_test = data[0][: config.train_examples], data[1][: config.test_examples]
    model, optimizer = build(config)
    average = make_weight_average(config, model)
    meta = {"config": asdict(config), "metrics": [], "partial": {"loss_sum": 0.0, "count": 0, "seconds": 0.0}}
    for folder in (out, out / "samples"):  # what a SIGKILL during a write left behind (the folder is ours now)
        remove_stale_temporaries(folder)
    spe, bs = config.steps_per_epoch(), config.batch_size
    if resume:
        saved = load_checkpoint(out, model, optimizer, average)
        if asdict(TrainConfig.from_dict(saved["config"])) != meta["config"]:
            raise ValueError(f"cannot resume {printable(out)}: it was started with {saved['config']}, "
                             f"not {meta['config']}.")
        meta = saved
        if meta["metrics"]:  # the last epoch's end may have been cut short after its checkpoint: complete it
            with clock.phase("per-epoch evaluation"):
                write_metrics(out, meta["metrics"])
                if on_epoch_end is not None and int(optimizer.iterations) == len(meta["metrics"]) * spe:
                    with averaged(average):
                        on_epoch_end(model, meta["metrics"])
    elif has_checkpoint(out):
        raise FileExistsError(f"{printable(out)} already holds a run; use --resume to continue it or choose another "
                              f"--out.")
    images = tf.constant(np.asarray(x_train).astype(np.uint8))  # (N, 28, 28, 1), 0/1: a quarter of float32
    train_steps = make_train_steps(model, optimizer, config.estimator, config.seed, images, average)
    if wrap_step is not None:
        train_steps = wrap_step(train_steps, model, average)
    evaluator = Evaluator(model, x_test, config.seed)
    epoch_images = iwae_subset(len(x_test), config.epoch_test_images)  # a fixed random subset: cheap per epoch
    eval_seconds = None  # measured per-epoch evaluation time, for the run's ETA

    def later(epoch, seconds_per_step):
        """Seconds the run needs after the current epoch's train steps (the progress bar's run ETA)."""
        per_eval = eval_seconds if eval_seconds is not None else len(epoch_images) / bs * seconds_per_step / 3
        epochs_left = config.epochs - epoch - 1
        return epochs_left * spe * seconds_per_step + (epochs_left + 1 + work_after_fit) * per_eval

    with _ctrl_c_between_calls() as pressed:
        while (g := int(optimizer.iterations)) < config.epochs * spe:
            epoch = g // spe
            eval_seconds = _epoch(config, out, model, optimizer, average, meta, train_steps, evaluator, epoch_images,
                                  x_train, on_epoch_end, clock, pressed, stream,
                                  lambda sps, epoch=epoch: later(epoch, sps))
            if pressed["yes"] and int(optimizer.iterations) < config.epochs * spe:
                raise TrainingInterrupted(f"interrupted after epoch {epoch + 1}; its checkpoint is in {printable(out)}. "
                                          f"Continue with --resume {printable(out)}.")
    if average is not None:
        average.copy_to_weights()
    return model, meta["metrics"]


def _epoch(config, out, model, optimizer, average, meta, train_steps, evaluator, epoch_images, x_train, on_epoch_end,
           clock, pressed, stream, later):
    """Trains the rest of the current epoch, evaluates it, saves its checkpoint, metrics and
    ``on_epoch_end``; returns the seconds its evaluation took."""
    spe, bs = config.steps_per_epoch(), config.batch_size
    epoch, start = divmod(int(optimizer.iterations), spe)
    part = meta["partial"]
    bar = ProgressBar(spe, bs, prefix=f"epoch {epoch + 1}/{config.epochs}", stream=stream, start=start, later=later)
    t0 = time.perf_counter()
    try:
        with clock.phase("train steps"):  # the time metrics.csv counts as seconds
            for first, idx in _blocks(batch_order(len(x_train), config.seed, epoch), bs, config.steps_per_call, start):
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
                    raise TrainingDiverged(
                        f"the loss became {losses[bad[0]]} at epoch {epoch + 1}, step {first + bad[0] + 1}{detail}. "
                        f"{kept}; lower the learning rate and start a new run.")
                part["loss_sum"] += float(losses.sum()) * idx.shape[1]
                part["count"] += idx.size
                bar.update(float(losses[-1]), steps=len(idx))
                if pressed["yes"] and first + len(idx) < spe:
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        part["seconds"] += time.perf_counter() - t0
        save_checkpoint(out, model, optimizer, meta, average)
        g = int(optimizer.iterations)
        raise TrainingInterrupted(f"interrupted at epoch {epoch + 1}, step {g - epoch * spe}; a checkpoint "
                                  f"is in {printable(out)}. Continue with --resume {printable(out)}.") from None
    seconds = part["seconds"] + time.perf_counter() - t0
    t_eval = time.perf_counter()
    with clock.phase("per-epoch evaluation"):
        with averaged(average):
            test_elbo = evaluator.elbo(epoch_images)
        meta["metrics"].append({"epoch": epoch + 1, "train_loss": part["loss_sum"] / part["count"],
                                "test_elbo": test_elbo, "seconds": seconds})
        meta["partial"] = {"loss_sum": 0.0, "count": 0, "seconds": 0.0}
        save_checkpoint(out, model, optimizer, meta, average)
        write_metrics(out, meta["metrics"])
        if on_epoch_end is not None:
            with averaged(average):
                on_epoch_end(model, meta["metrics"])
    bar.close(f"train loss {meta['metrics'][-1]['train_loss']:.2f}  test ELBO {test_elbo:.2f}")
    return time.perf_counter() - t_eval
