"""The training loop: resumable, guarded against divergence and Ctrl-C (lesson 08).

Position in the run is ``optimizer.iterations`` alone: epoch = g // steps_per_epoch. Batch
order and eps are functions of (seed, epoch) and (seed, g), so a run resumed after an
interrupt computes exactly the same steps as one that never stopped.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import tensorflow as tf

from vae_course.losses import evaluate
from vae_course.models import CVAE
from vae_course.training.config import TrainConfig
from vae_course.training.progress import ProgressBar
from vae_course.training.run_folder import has_checkpoint, load_checkpoint, save_checkpoint, write_metrics
from vae_course.training.step import averaged, batch_order, make_optimizer, make_train_step, make_weight_average

__all__ = ["TrainingDiverged", "TrainingInterrupted", "build", "fit"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the run folder keeps the last good checkpoint."""


class TrainingInterrupted(RuntimeError):
    """Ctrl-C: the run folder holds a checkpoint of the last completed step."""


def build(config: TrainConfig):
    """A freshly initialised model (weights seeded by ``config.seed``) and its built optimizer."""
    tf.keras.utils.set_random_seed(config.seed)
    model = CVAE(latent_dim=config.latent_dim)
    optimizer = make_optimizer(config)
    optimizer.build(model.trainable_variables)
    return model, optimizer


def fit(config: TrainConfig, out_dir, data, *, resume=False, on_epoch_end=None, stream=None, wrap_step=None):
    """Trains ``config`` on ``data`` and writes checkpoint and metrics into ``out_dir``.

    Args:
        config: the run's settings.
        out_dir: run folder; created if needed.
        data: ``(x_train, x_test)``, float32 binary arrays (N, 28, 28, 1); the config's
            ``train_examples``/``test_examples`` first images are used.
        resume: continue from the checkpoint in ``out_dir`` (its config must equal ``config``).
        on_epoch_end: called as ``on_epoch_end(model, metrics)`` after each epoch.
        stream: where the progress bar writes (default stderr).
        wrap_step: ``wrap_step(train_step, model, average)`` returns the step to use instead
            (tests inject faults; the benchmark times steps and evaluates between them); ``average``
            is the run's WeightAverage or None.

    Test ELBOs, ``on_epoch_end`` and the returned model use the moving average of the weights
    when the config asks for one (``ema_momentum`` > 0); the checkpoint keeps both.

    Returns:
        ``(model, metrics)``; metrics is a list of dicts (epoch, train_loss, test_elbo, seconds).

    Raises:
        TrainingDiverged, TrainingInterrupted.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    x_train, x_test = data[0][: config.train_examples], data[1][: config.test_examples]
    model, optimizer = build(config)
    average = make_weight_average(config, model)
    meta = {"config": asdict(config), "metrics": [], "partial": {"loss_sum": 0.0, "count": 0, "seconds": 0.0}}
    if resume:
        saved = load_checkpoint(out, model, optimizer, average)
        if asdict(TrainConfig.from_dict(saved["config"])) != meta["config"]:
            raise ValueError(f"cannot resume {out}: it was started with {saved['config']}, not {meta['config']}.")
        meta = saved
    elif has_checkpoint(out):
        raise FileExistsError(f"{out} already holds a run; use --resume to continue it or choose another --out.")
    train_step = make_train_step(model, optimizer, config.estimator, config.seed, average)
    if wrap_step is not None:
        train_step = wrap_step(train_step, model, average)
    spe, bs = config.steps_per_epoch(), config.batch_size
    while (g := int(optimizer.iterations)) < config.epochs * spe:
        epoch, start = divmod(g, spe)
        order = batch_order(len(x_train), config.seed, epoch)
        part = meta["partial"]
        bar = ProgressBar(spe, bs, prefix=f"epoch {epoch + 1}/{config.epochs}", stream=stream, start=start)
        t0 = time.perf_counter()
        try:
            for step in range(start, spe):
                idx = order[step * bs:(step + 1) * bs]
                try:
                    loss = float(train_step(tf.constant(x_train[idx])))
                except tf.errors.InvalidArgumentError as err:
                    loss, detail = math.nan, f" ({err.message.splitlines()[0]})"
                else:
                    detail = ""
                if not math.isfinite(loss):
                    raise TrainingDiverged(
                        f"the loss became {loss} at epoch {epoch + 1}, step {step + 1}{detail}. The last good "
                        f"checkpoint in {out} was kept; lower the learning rate and start a new run.")
                part["loss_sum"] += loss * len(idx)
                part["count"] += len(idx)
                bar.update(loss)
        except KeyboardInterrupt:
            part["seconds"] += time.perf_counter() - t0
            save_checkpoint(out, model, optimizer, meta, average)
            g = int(optimizer.iterations)
            raise TrainingInterrupted(f"interrupted at epoch {epoch + 1}, step {g - epoch * spe}; a checkpoint "
                                      f"is in {out}. Continue with --resume {out}.") from None
        seconds = part["seconds"] + time.perf_counter() - t0
        with averaged(average):
            test_elbo = evaluate(model, x_test, seed=config.seed)
        meta["metrics"].append({"epoch": epoch + 1, "train_loss": part["loss_sum"] / part["count"],
                                "test_elbo": test_elbo, "seconds": seconds})
        meta["partial"] = {"loss_sum": 0.0, "count": 0, "seconds": 0.0}
        bar.close(f"train loss {meta['metrics'][-1]['train_loss']:.2f}  test ELBO {test_elbo:.2f}")
        save_checkpoint(out, model, optimizer, meta, average)
        write_metrics(out, meta["metrics"])
        if on_epoch_end is not None:
            with averaged(average):
                on_epoch_end(model, meta["metrics"])
    if average is not None:
        average.copy_to_weights()
    return model, meta["metrics"]
