"""What a training run leaves behind: per-epoch samples, the GIF, figures and the report (lesson 08)."""
from __future__ import annotations

import io
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import tensorflow as tf

from vae_course.distributions import decoder_distribution, sample_eps
from vae_course.image_files import grid_array, write_gif
from vae_course.models import model_config_dict, save_weights
from vae_course.atomic_write import atomic_write_bytes, atomic_write_json, atomic_write_text
from vae_course.training.evaluation import IWAE_IMAGES_PER_BATCH, Evaluator, iwae_subset, subset_correction
from vae_course.training.progress import ProgressBar
from vae_course.training.run_folder import total_seconds
from vae_course.training.wall_clock import WallClock, describe_split

__all__ = ["SAMPLES", "WEIGHTS", "EpochSnapshots", "write_figures", "versions", "final_bounds", "write_final_report"]

SAMPLES = 16  # prior samples in the per-epoch grid (4 x 4)
WEIGHTS = "model.weights.h5"
IWAE_ESTIMATOR = ("test ELBO of all test images + the mean IWAE-ELBO gap of a fixed random subset of them "
                  "(vae_course.training.evaluation)")


class EpochSnapshots:
    """``on_epoch_end`` callback: decodes the same 16 prior codes after every epoch.

    Writes ``samples/epoch_NNN.png`` (Bernoulli means) and rebuilds ``samples.gif`` from all frames.
    """

    def __init__(self, out_dir, config):
        self.out = Path(out_dir)
        self.z = sample_eps((SAMPLES, config.latent_dim), config.seed + 1)  # (16, D), fixed for the run

    def __call__(self, model, metrics):
        frame = grid_array(model.decode(self.z, apply_sigmoid=True).numpy(), ncols=4)
        atomic_write_bytes(self.out / "samples" / f"epoch_{metrics[-1]['epoch']:03d}.png",
                           iio.imwrite("<bytes>", frame, extension=".png"))
        write_gif(sorted((self.out / "samples").glob("epoch_*.png")), self.out / "samples.gif", fps=2)

    def missing(self, epochs: int) -> list[Path]:
        """The frames ``samples/epoch_NNN.png`` of epochs 1..``epochs`` that are not in the run folder."""
        frames = (self.out / "samples" / f"epoch_{e:03d}.png" for e in range(1, epochs + 1))
        return [p for p in frames if not p.is_file()]


def _save_png(fig, path):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def write_figures(out_dir, model, config, metrics, x_test, y_test, means=None):
    """reconstructions.png, training_curves.png and, for latent 2, latent_manifold.png and latent_scatter.png.

    ``means``: the encoder means of ``x_test``, (N, D), if already computed (the final evaluation has them).
    """
    import matplotlib.pyplot as plt

    from vae_course.plotting import (plot_latent_manifold, plot_latent_scatter, plot_reconstructions,
                                     plot_training_curves)

    out = Path(out_dir)
    x = tf.constant(x_test[:8])  # (8, 28, 28, 1)
    mean, logvar = model.encode(x)
    x_logits = model.decode(model.reparameterize(mean, logvar, sample_eps(mean.shape, config.seed)))
    p_x = decoder_distribution(x_logits)
    _save_png(plot_reconstructions(x.numpy(), p_x.mean().numpy(), p_x.sample(seed=(config.seed, 1)).numpy()),
              out / "reconstructions.png")
    _save_png(plot_training_curves(metrics).figure, out / "training_curves.png")
    if config.latent_dim == 2:
        _save_png(plot_latent_manifold(model, n=20).figure, out / "latent_manifold.png")
        if means is None:
            means = np.concatenate([model.encode(tf.constant(x_test[i:i + 2000]))[0].numpy()
                                    for i in range(0, len(x_test), 2000)])  # (N, 2)
        _, ax = plt.subplots(figsize=(6, 5))
        _save_png(plot_latent_scatter(means, y_test[: len(means)], ax=ax).figure, out / "latent_scatter.png")


def versions() -> dict:
    import keras
    import tensorflow_probability as tfp

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "tensorflow_probability": tfp.__version__,
            "keras": keras.__version__, "numpy": np.__version__, "machine": platform.machine(),
            "cpu_threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()}


def final_bounds(model, config, x_test, stream=None) -> dict:
    """The test ELBO on all test images and the IWAE estimate of log p(x) (see training.evaluation).

    Returns:
        A dict with ``test_elbo``, ``iwae``, ``iwae_standard_error``, ``iwae_subset_size``
        (None when ``config.iwae_k`` is 0) and ``means``, the encoder means of x_test (N, D).
    """
    evaluator = Evaluator(model, x_test, config.seed)
    elbo, means = evaluator.elbo_values(with_means=True)  # (N,), (N, D)
    result = {"test_elbo": float(elbo.astype(np.float64).mean()), "iwae": None, "iwae_standard_error": None,
              "iwae_subset_size": None, "means": means}
    if config.iwae_k:
        subset = iwae_subset(len(x_test))
        per = max(1, IWAE_IMAGES_PER_BATCH // config.iwae_k)
        bar = ProgressBar(-(-len(subset) // per), per, stream=stream, value_name="",
                          prefix=f"final bound (IWAE, K={config.iwae_k}, {len(subset)} test images)")
        iwae = evaluator.iwae_values(subset, config.iwae_k, on_batch=lambda done, total: bar.update())
        bar.close()
        result["iwae"], result["iwae_standard_error"] = subset_correction(elbo, elbo[subset], iwae)
        result["iwae_subset_size"] = len(subset)
    return result


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
