"""Training the CVAE (lessons 08 and 10): config and presets, the step, the loop, the run folder.

Modules, one job each:

- ``config``: :class:`TrainConfig` and the ``tutorial``/``course`` presets.
- ``step``: the compiled train step, the optimizer, the batch order, the weight-average switch.
- ``weight_average``: the moving average of the weights the course preset evaluates and saves.
- ``loop``: :func:`build` and :func:`fit`, the resumable training loop.
- ``run_folder``: checkpoints and ``metrics.csv``.
- ``report``: per-epoch samples, the GIF, the figures and ``report.md``/``report.json``.
- ``progress``: the text progress bar.
- ``command``: ``vae-course train``.

``from vae_course import training`` gives the names lessons use: ``training.PRESETS``,
``training.TrainConfig``, ``training.preset``, ``training.build``, ``training.fit``,
``training.make_train_step``.
"""
from vae_course.training.config import PRESETS, TrainConfig, preset
from vae_course.training.loop import TrainingDiverged, TrainingInterrupted, build, fit
from vae_course.training.step import averaged, batch_order, make_optimizer, make_train_step, make_weight_average

__all__ = ["PRESETS", "TrainConfig", "preset", "build", "fit", "TrainingDiverged", "TrainingInterrupted",
           "make_train_step", "make_optimizer", "make_weight_average", "averaged", "batch_order"]
