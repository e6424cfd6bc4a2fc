"""Training the CVAE (lessons 08 and 10): config and presets, the step, the loop, the run folder.

Modules, one job each:

- ``config``: :class:`TrainConfig` and the ``tutorial``/``course`` presets.
- ``step``: the compiled train step (and several per call), the optimizer, the batch order, the
  weight-average switch.
- ``weight_average``: the moving average of the weights the course preset evaluates and saves.
- ``loop``: :func:`build` and :func:`fit`, the resumable training loop.
- ``evaluation``: the test ELBO and the IWAE bound of a run, traced once; the IWAE subset estimate.
- ``run_folder``: checkpoints and ``metrics.csv``.
- ``lock``: one training per run folder (a lock file naming its owner).
- ``report``: per-epoch samples, the GIF, the figures and ``report.md``/``report.json``.
- ``progress``: the text progress bar (with the run's ETA).
- ``wall_clock``: the wall time of a run, split into phases.
- ``command``: ``vae-course train``.

``from vae_course import training`` gives the names lessons use: ``training.PRESETS``,
``training.TrainConfig``, ``training.preset``, ``training.build``, ``training.fit``,
``training.make_train_step``.
"""
from vae_course.training.config import PRESETS, TrainConfig, preset
from vae_course.training.loop import TrainingDiverged, TrainingInterrupted, build, fit
from vae_course.training.step import (averaged, batch_order, make_optimizer, make_train_step, make_train_steps,
                                      make_weight_average)

__all__ = ["PRESETS", "TrainConfig", "preset", "build", "fit", "TrainingDiverged", "TrainingInterrupted",
           "make_train_step", "make_train_steps", "make_optimizer", "make_weight_average", "averaged", "batch_order"]
