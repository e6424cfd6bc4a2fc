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
from vae_course.losses import evaluate
from vae_course.models import model_config_dict, save_weights
from vae_course.atomic_write import atomic_write_bytes, atomic_write_json, atomic_write_text
from vae_course.training.run_folder import total_seconds

__all__ = ["SAMPLES", "WEIGHTS", "EpochSnapshots", "write_figures", "versions", "write_final_report"]

SAMPLES = 16  # prior samples in the per-epoch grid (4 x 4)
WEIGHTS = "model.weights.h5"


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


def _save_png(fig, path):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def write_figures(out_dir, model, config, metrics, x_test, y_test):
    """reconstructions.png, training_curves.png and, for latent 2, latent_manifold.png and latent_scatter.png."""
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
        means = np.concatenate([model.encode(tf.constant(x_test[i:i + 1000]))[0].numpy()
                                for i in range(0, len(x_test), 1000)])  # (N, 2)
        _, ax = plt.subplots(figsize=(6, 5))
        _save_png(plot_latent_scatter(means, y_test[: len(means)], ax=ax).figure, out / "latent_scatter.png")


def versions() -> dict:
    import keras
    import tensorflow_probability as tfp

    return {"python": platform.python_version(), "tensorflow": tf.__version__, "tensorflow_probability": tfp.__version__,
            "keras": keras.__version__, "numpy": np.__version__, "machine": platform.machine(),
            "cpu_threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()}


def write_final_report(out_dir, model, config, metrics, x_test, y_test, argv=None) -> dict:
    """Saves the weights, evaluates on all test images and writes report.json / report.md and figures.

    The test ELBO uses the analytic KL, averaged per example over every test image; the
    importance-weighted bound uses ``config.iwae_k`` samples per image.
    """
    out = Path(out_dir)
    save_weights(model, out / WEIGHTS)
    report = {
        "command": " ".join(["vae-course", *(argv or sys.argv)[1:]]),
        "config": asdict(config),
        "model_config": model_config_dict(model.config),
        "seed": config.seed,
        "test_examples": int(len(x_test)),
        "test_elbo": evaluate(model, x_test, seed=config.seed),
        "test_elbo_estimator": "analytic KL, 1 sample of z per image, mean over all test images (nats)",
        "iwae": evaluate(model, x_test, k=config.iwae_k, batch_size=max(1, 5000 // config.iwae_k),
                         seed=config.seed) if config.iwae_k else None,
        "iwae_k": config.iwae_k,
        "training_seconds": total_seconds(metrics),
        "epochs": len(metrics),
        "versions": versions(),
    }
    atomic_write_json(out / "report.json", report)
    write_figures(out, model, config, metrics, x_test, y_test)
    lines = [f"# Run report: preset '{config.preset}', latent {config.latent_dim}", "",
             f"- command: `{report['command']}`",
             f"- test ELBO: {report['test_elbo']:.2f} nats ({report['test_elbo_estimator']})",
             f"- log p(x) >= {report['iwae']:.2f} nats (IWAE bound, K={config.iwae_k})" if config.iwae_k else "- IWAE: skipped",
             f"- training time: {report['training_seconds']:.0f} s for {len(metrics)} epochs (evaluation excluded)",
             f"- versions: {json.dumps(report['versions'])}", "", "| epoch | train loss | test ELBO | seconds |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {m['epoch']} | {m['train_loss']:.2f} | {m['test_elbo']:.2f} | {m['seconds']:.1f} |" for m in metrics]
    atomic_write_text(out / "report.md", "\n".join(lines) + "\n")
    return report
