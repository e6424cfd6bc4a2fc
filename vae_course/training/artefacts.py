"""What a training run leaves besides its report: per-epoch samples, the GIF and the figures (lesson 08)."""
from __future__ import annotations

import io
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import tensorflow as tf

from vae_course.atomic_write import atomic_write_bytes
from vae_course.distributions import sample_eps
from vae_course.image_files import grid_array, write_gif

__all__ = ["SAMPLES", "EpochSnapshots", "write_figures"]

SAMPLES = 16  # prior samples in the per-epoch grid (4 x 4)


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
    x = x_test[:8]  # (8, 28, 28, 1); z = mean + σ ⊙ eps, one sample of p(x|z) in the last row
    _save_png(plot_reconstructions(model, x, eps=sample_eps((len(x), config.latent_dim), config.seed),
                                   seed=(config.seed, 1)), out / "reconstructions.png")
    _save_png(plot_training_curves(metrics), out / "training_curves.png")
    if config.latent_dim == 2:
        _save_png(plot_latent_manifold(model, n=20), out / "latent_manifold.png")
        if means is None:
            means = np.concatenate([model.encode(tf.constant(x_test[i:i + 2000]))[0].numpy()
                                    for i in range(0, len(x_test), 2000)])  # (N, 2)
        _, ax = plt.subplots(figsize=(6, 5))
        _save_png(plot_latent_scatter(means, y_test[: len(means)], ax=ax), out / "latent_scatter.png")
