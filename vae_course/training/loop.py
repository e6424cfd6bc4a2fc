"""The training loop: resumable, guarded against divergence and Ctrl-C (lesson 08).

The algorithm is :func:`_fit`, one screen: for each epoch, the train steps (several per compiled
call), then the test ELBO of the averaged weights, a checkpoint, ``metrics.csv`` and ``on_epoch_end``.
The helper below it starts or resumes the run; ``stops.py`` turns a NaN, a failed step or Ctrl-C into a
clear error.

Position in the run is ``optimizer.iterations`` alone: epoch = g // steps_per_epoch. Batch
order and eps are functions of (seed, epoch) and (seed, g), so a run resumed after an
interrupt computes exactly the same steps as one that never stopped.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import tensorflow as tf

from vae_course.atomic_write import printable, remove_stale_temporaries
from vae_course.models import CVAE
from vae_course.training.config import TrainConfig
from vae_course.training.evaluation import Evaluator, evaluation_subset
from vae_course.training.lock import run_folder_lock
from vae_course.training.progress import RunProgress
from vae_course.training.run_folder import (load_checkpoint, refuse_existing_run, save_checkpoint,
                                            write_metrics)
from vae_course.training.step import batch_order, make_optimizer, make_train_steps
from vae_course.training.stops import TrainingDiverged, TrainingInterrupted, ctrl_c_between_calls, interrupted, run_steps
from vae_course.training.wall_clock import WallClock
from vae_course.training.weight_average import averaged, make_weight_average

__all__ = ["TrainingDiverged", "TrainingInterrupted", "build", "fit"]  # the first two from stops.py


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


def fit(config: TrainConfig, out_dir, data, *, resume=False, on_epoch_end=None, stream=None, wrap_step=None,
        clock: WallClock | None = None, progress: RunProgress | None = None):
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
        progress: the run's :class:`RunProgress` (its bars and ETA); by default one writing to ``stream``.

    The per-epoch test ELBO (metrics.csv) is the mean over a fixed random subset of
    ``config.epoch_test_images`` of the test images, the same subset every epoch and every run
    (``training.evaluation.evaluation_subset``); the final report evaluates all of them.

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
        return _fit(config, Path(out_dir), data, resume, on_epoch_end, stream, wrap_step, clock, progress)


def _fit(config, out, data, resume, on_epoch_end, stream, wrap_step, clock, progress):
    clock = clock if clock is not None else WallClock()
    x_train, x_test = data[0][: config.train_examples], data[1][: config.test_examples]
    model, optimizer = build(config)
    average = make_weight_average(config, model)  # None unless config.ema_momentum > 0
    meta = _start_or_resume(config, out, model, optimizer, average, resume, on_epoch_end, clock)
    images = tf.constant(np.asarray(x_train).astype(np.uint8))  # (N, 28, 28, 1), 0/1: a quarter of float32
    train_steps = make_train_steps(model, optimizer, config.estimator, config.seed, images, average)
    if wrap_step is not None:
        train_steps = wrap_step(train_steps, model, average)
    evaluator = Evaluator(model, x_test, config.seed)
    epoch_images = evaluation_subset(len(x_test), config.epoch_test_images)  # the same images every epoch
    progress = progress if progress is not None else RunProgress(config, len(epoch_images), stream)
    spe, bs = config.steps_per_epoch(), config.batch_size
    with ctrl_c_between_calls() as pressed:
        while (g := int(optimizer.iterations)) < config.epochs * spe:
            epoch, start = divmod(g, spe)
            part, bar, t0 = meta["partial"], progress.epoch_bar(epoch, start), time.perf_counter()
            try:
                with clock.phase("train steps"):  # the time metrics.csv counts as seconds
                    for first, idx in _blocks(batch_order(len(x_train), config.seed, epoch), bs,
                                              config.steps_per_call, start):
                        losses = run_steps(train_steps, idx, out, epoch, first)  # (S,), all finite
                        part["loss_sum"] += float(losses.sum()) * idx.shape[1]
                        part["count"] += idx.size
                        bar.update(float(losses[-1]), steps=len(idx))
                        if pressed["yes"] and first + len(idx) < spe:
                            raise KeyboardInterrupt
            except KeyboardInterrupt:
                part["seconds"] += time.perf_counter() - t0
                save_checkpoint(out, model, optimizer, meta, average)
                raise interrupted(out, f"at epoch {epoch + 1}, step {int(optimizer.iterations) - epoch * spe}; "
                                        "a checkpoint") from None
            seconds = part["seconds"] + time.perf_counter() - t0
            with clock.phase("per-epoch evaluation"), progress.evaluation():
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
            if pressed["yes"] and int(optimizer.iterations) < config.epochs * spe:
                raise interrupted(out, f"after epoch {epoch + 1}; its checkpoint")
    if average is not None:
        average.copy_to_weights()  # the returned model holds the averaged weights
    return model, meta["metrics"]


def _start_or_resume(config, out, model, optimizer, average, resume, on_epoch_end, clock) -> dict:
    """The run's metadata: new (refused if ``out`` holds a run) or loaded from the checkpoint."""
    meta = {"config": asdict(config), "metrics": [], "partial": {"loss_sum": 0.0, "count": 0, "seconds": 0.0}}
    for folder in (out, out / "samples"):  # what a SIGKILL during a write left behind (the folder is ours now)
        remove_stale_temporaries(folder)
    if not resume:
        refuse_existing_run(out)
        return meta
    saved = load_checkpoint(out, model, optimizer, average)
    if asdict(TrainConfig.from_dict(saved["config"])) != meta["config"]:
        raise ValueError(f"cannot resume {printable(out)}: it was started with {saved['config']}, "
                         f"not {meta['config']}.")
    if saved["metrics"]:  # the last epoch's end may have been cut short after its checkpoint: complete it
        with clock.phase("per-epoch evaluation"):
            write_metrics(out, saved["metrics"])
            if on_epoch_end is not None and int(optimizer.iterations) == len(saved["metrics"]) * config.steps_per_epoch():
                with averaged(average):
                    on_epoch_end(model, saved["metrics"])
    return saved
