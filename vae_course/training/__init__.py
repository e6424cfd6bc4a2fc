"""Training the CVAE (lessons 08 and 10): config and presets, the step, the loop, the run folder.

Modules, one job each:

- ``config``: :class:`TrainConfig` and the ``tutorial``/``course`` presets (plain Python).
- ``loop``: :func:`build` and :func:`fit`; the training algorithm is its ``_fit``, one screen.
- ``step``: the compiled train step (and several per call), the optimizer, the batch order.
- ``weight_average``: the moving average of the weights the course preset evaluates and saves, and the
  run's switch for it (``make_weight_average``, ``averaged``).
- ``evaluation``: the one evaluator (test ELBO, IWAE bound, traced once), ``mean_elbo`` and
  ``mean_iwae_bound``, the fixed evaluation subsets and the final bounds of a run.
- ``run_folder``: checkpoints, ``metrics.csv`` and the refusal to overwrite a run.
- ``lock``: one training per run folder (a lock file naming its owner).
- ``artefacts``: per-epoch samples, the GIF and the figures.
- ``report``: the weights and ``report.md``/``report.json`` at the end of a run.
- ``progress``: the text progress bar, and the run's bars with its ETA (``RunProgress``).
- ``wall_clock``: the wall time of a run, split into phases.
- ``command``: ``vae-course train``.

``from vae_course import training`` gives the names lessons use: ``training.PRESETS``,
``training.TrainConfig``, ``training.preset``, ``training.build``, ``training.fit``,
``training.make_train_step``.
"""
# Imported when first used (PEP 562), so that ``vae_course.training.config`` (plain Python) loads
# without TensorFlow: the command line parses its flags against the presets before TensorFlow starts.
_LAZY_EXPORTS = {
    "PRESETS": "config", "TrainConfig": "config", "preset": "config",
    "build": "loop", "fit": "loop", "TrainingDiverged": "stops", "TrainingInterrupted": "stops",
    "make_train_step": "step", "make_train_steps": "step", "make_optimizer": "step", "batch_order": "step",
    "make_weight_average": "weight_average", "averaged": "weight_average",
}

__all__ = ["PRESETS", "TrainConfig", "preset", "build", "fit", "TrainingDiverged", "TrainingInterrupted",
           "make_train_step", "make_train_steps", "make_optimizer", "make_weight_average", "averaged", "batch_order"]


def __getattr__(name):
    if name not in _LAZY_EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{_LAZY_EXPORTS[name]}"), name)
    globals()[name] = value  # once is enough
    return value


def __dir__():
    return sorted({*globals(), *__all__})
