"""The end of a training run: the weights, the final bounds and ``report.json``/``report.md`` (lesson 08).

The per-epoch samples and the figures are in :mod:`vae_course.training.artefacts`, the bounds in
:mod:`vae_course.training.evaluation`.
"""
from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import tensorflow as tf

from vae_course.atomic_write import atomic_write_json, atomic_write_text
from vae_course.models import model_config_dict, save_weights
from vae_course.training.artefacts import write_figures
from vae_course.training.evaluation import final_bounds
from vae_course.training.run_folder import total_seconds
from vae_course.training.wall_clock import WallClock, describe_split

__all__ = ["WEIGHTS", "versions", "write_final_report"]

WEIGHTS = "model.weights.h5"
IWAE_ESTIMATOR = ("test ELBO of all test images + the mean IWAE-ELBO gap of a fixed random subset of them "
                  "(vae_course.training.evaluation)")


def versions() -> dict:
    import keras
    import tensorflow_probability as tfp

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "tensorflow_probability": tfp.__version__,
            "keras": keras.__version__, "numpy": np.__version__, "machine": platform.machine(),
            "cpu_threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()}


def write_final_report(out_dir, model, config, metrics, x_test, y_test, argv=None, clock=None, stream=None) -> dict:
    """Saves the weights, evaluates on the test images and writes figures and report.json / report.md.

    The test ELBO uses the analytic KL, averaged per example over every test image; the
    importance-weighted bound uses ``config.iwae_k`` samples per image on a fixed subset of them
    (training.evaluation). ``clock``: the run's WallClock, whose split the report records.
    """
    out = Path(out_dir)
    clock = clock if clock is not None else WallClock()
    with clock.phase("final bound"):
        save_weights(model, out / WEIGHTS)
        bounds = final_bounds(model, config, x_test, stream=stream)
    print("writing figures and the report ...", file=stream if stream is not None else sys.stderr, flush=True)
    with clock.phase("figures and report"):
        write_figures(out, model, config, metrics, x_test, y_test, means=bounds.pop("means"))
        report = {
            "command": " ".join(["vae-course", *(argv or sys.argv)[1:]]),
            "config": asdict(config),
            "model_config": model_config_dict(model.config),
            "seed": config.seed,
            "test_examples": int(len(x_test)),
            **bounds,
            "test_elbo_estimator": "analytic KL, 1 sample of z per image, mean over all test images (nats)",
            "iwae_estimator": IWAE_ESTIMATOR if config.iwae_k else None,
            "iwae_k": config.iwae_k,
            "training_seconds": total_seconds(metrics),
            "epochs": len(metrics),
            "versions": versions(),
        }
        iwae_line = "- IWAE: skipped"
        if config.iwae_k:
            iwae_line = (f"- log p(x) >= {report['iwae']:.2f} ± {report['iwae_standard_error']:.2f} nats (IWAE bound, "
                         f"K={config.iwae_k}, on {report['iwae_subset_size']} of the test images: {IWAE_ESTIMATOR}; "
                         f"± one standard error)")
    report["wall_split"] = clock.split()  # what the report's writing itself costs (ms) is left out
    report["wall_seconds"] = report["wall_split"]["wall"]
    lines = [f"# Run report: preset '{config.preset}', latent {config.latent_dim}", "",
             f"- command: `{report['command']}`",
             f"- test ELBO: {report['test_elbo']:.2f} nats ({report['test_elbo_estimator']})", iwae_line,
             f"- training time: {report['training_seconds']:.0f} s for {len(metrics)} epochs (train steps only)",
             f"- {describe_split(report['wall_split'])}",
             f"- versions: {json.dumps(report['versions'])}", "", "| epoch | train loss | test ELBO | seconds |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {m['epoch']} | {m['train_loss']:.2f} | {m['test_elbo']:.2f} | {m['seconds']:.1f} |" for m in metrics]
    atomic_write_json(out / "report.json", report)
    atomic_write_text(out / "report.md", "\n".join(lines) + "\n")
    return report
