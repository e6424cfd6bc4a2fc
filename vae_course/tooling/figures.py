"""Every figure the lessons show, for instructors' slides: ``vae-course figures OUT``.

The figures are drawn by the package's plotting helpers from MNIST (``load_mnist``: ``--data-dir``,
then ``$VAE_COURSE_DATA``, then Keras' download) and the shipped weights (``load_pretrained``), and
written as ``OUT/<lesson>_<name>.png`` and ``.svg``. :data:`FIGURES` is the registry: adding a figure
is adding one line ``FigureEntry(lesson, name, draw)``, where ``draw(inputs)`` returns a matplotlib
Figure (the package's figure convention). Everything is drawn in memory first, so a failure writes
nothing.
"""
from __future__ import annotations

import fnmatch
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from vae_course.atomic_write import atomic_write_bytes
from vae_course.demos import decoder_pictures
from vae_course.demos.architecture import plot_architecture
from vae_course.demos.binarization_pictures import plot_binarizations
from vae_course.demos.covariance import plot_normal_densities
from vae_course.demos.log_density_terms import log_density_terms, plot_log_density_terms
from vae_course.demos.latent_pictures import plot_reconstructions_by_model
from vae_course.demos.pixel_stats import plot_pixel_histogram
from vae_course.demos import speed_pictures
from vae_course.demos.training_pictures import plot_epoch_frames, read_gif_frames
from vae_course.demos.variance_parametrization import plot_sigma_parametrizations
from vae_course.demos.objective_pictures import plot_jensen_gap
from vae_course.model_map import draw_model_map
from vae_course.training import PRESETS
from vae_course.plotting import plot_latent_manifold, plot_prior_samples, plot_training_curves
from vae_course.tooling import figure_drawings as drawings
from vae_course.tooling.figure_inputs import Inputs

__all__ = ["Inputs", "FigureEntry", "FIGURES", "MAP_HIGHLIGHTS", "select", "render", "write_figures", "main"]


@dataclass(frozen=True)
class FigureEntry:
    lesson: str  # two-digit lesson number, as in lessons/NN_<topic>.ipynb
    name: str  # the figure's name; files <lesson>_<name>.png and .svg
    draw: Callable  # draw(inputs: Inputs) -> matplotlib Figure


MAP_HIGHLIGHTS = {"00": "prior", "01": "data", "02": "posterior", "03": "posterior", "04": "reparameterization",
                  "05": "likelihood", "06": "elbo", "07": "encoder", "08": "elbo", "09": "decoder", "10": "reparameterization"}

FIGURES = sorted([  # one line per figure; sorted into lesson order
    *(FigureEntry(n, "model_map", lambda i, h=h: draw_model_map(highlight=h)) for n, h in MAP_HIGHLIGHTS.items()),
    FigureEntry("00", "toy_posterior", drawings.toy_posterior),
    FigureEntry("00", "autoencoder_vs_vae", drawings.autoencoder_vs_vae),
    FigureEntry("00", "kl_fits", drawings.kl_fits),
    FigureEntry("01", "pixel_histogram", lambda i: plot_pixel_histogram(i.test_images)),
    FigureEntry("01", "binarization", lambda i: plot_binarizations(i.test_images[:1], seeds=(0, 1, 2))),
    FigureEntry("01", "dynamic_passes", drawings.dynamic_passes),
    FigureEntry("02", "normal_densities", lambda i: plot_normal_densities()),
    FigureEntry("02", "diagonal_vs_full", drawings.diagonal_vs_full),
    FigureEntry("02", "log_density_terms", lambda i: plot_log_density_terms(
        log_density_terms([0.3, 0.8, -2.0], [0.0, 1.0, -1.0], [0.0, -1.0, 1.0]))),
    FigureEntry("02", "best_diagonal", drawings.best_diagonal),
    FigureEntry("03", "sigma_parametrizations", lambda i: plot_sigma_parametrizations()),
    FigureEntry("04", "fixed_vs_fresh_noise", drawings.fixed_vs_fresh_noise),
    FigureEntry("04", "sampling_graphs", drawings.sampling_graphs),
    FigureEntry("04", "gradient_histograms", drawings.gradient_histograms),
    FigureEntry("04", "variance_vs_samples", drawings.variance_vs_samples),
    FigureEntry("05", "decoder_panels", drawings.decoder_panels),
    FigureEntry("05", "mean_and_samples", lambda i: decoder_pictures.plot_mean_and_samples(
        i.decoded_first_digits[1].mean()[0], i.decoded_first_digits[1].sample(8, seed=(6, 0))[:, 0])),
    FigureEntry("05", "reconstructions", drawings.reconstructions),
    FigureEntry("05", "code_scores", drawings.code_scores),
    FigureEntry("05", "gaussian_scale", drawings.gaussian_scale),
    FigureEntry("06", "jensen_gap", lambda i: plot_jensen_gap([0.5, 4.0])),
    FigureEntry("06", "estimator_spread", drawings.estimator_spread),
    FigureEntry("06", "digit_costs", drawings.digit_costs),
    FigureEntry("06", "latent_usage", drawings.latent_usage),
    FigureEntry("06", "bound_gap_vs_k", drawings.bound_gap_vs_k),
    FigureEntry("06", "elbo_gap", drawings.elbo_gap),
    FigureEntry("07", "architecture", lambda i: plot_architecture(i.model(2))),
    FigureEntry("07", "transposed_conv", drawings.transposed_conv),
    FigureEntry("08", "training_curves", lambda i: plot_training_curves(i.metrics)),
    FigureEntry("08", "epoch_samples", lambda i: plot_epoch_frames(
        read_gif_frames(i.shipped_gif), [1, 2, 3, 5, 10], [m["test_elbo"] for m in i.metrics])),
    FigureEntry("09", "latent_manifold", lambda i: plot_latent_manifold(i.model(2), n=20)),
    FigureEntry("09", "latent_scatter", drawings.latent_scatter),
    FigureEntry("09", "latent_paths", drawings.latent_paths),
    FigureEntry("09", "reconstructions_by_model", lambda i: plot_reconstructions_by_model(
        i.first_digits, {d: i.model(d) for d in (2, 32)})),
    FigureEntry("09", "prior_samples_latent2", lambda i: plot_prior_samples(i.model(2), n=16, seed=0)),
    FigureEntry("09", "prior_samples_latent32", lambda i: plot_prior_samples(i.model(32), n=16, seed=0)),
    FigureEntry("10", "learning_rates", lambda i: speed_pictures.plot_learning_rates(
        {name: speed_pictures.learning_rate_curve(cfg) for name, cfg in PRESETS.items()})),
    FigureEntry("10", "benchmark_curve", drawings.benchmark_curve),
], key=lambda entry: entry.lesson)


def select(patterns=None, entries=None) -> list:
    """The entries whose ``<lesson>_<name>`` matches one of the glob ``patterns`` (all when None)."""
    entries = FIGURES if entries is None else entries
    chosen = [e for e in entries if not patterns or any(fnmatch.fnmatch(f"{e.lesson}_{e.name}", p) for p in patterns)]
    if not chosen:
        raise ValueError(f"no figure matches {patterns}; known: {[f'{e.lesson}_{e.name}' for e in entries]}")
    return chosen


def render(entry: FigureEntry, inputs: Inputs) -> dict:
    """``{".png": bytes, ".svg": bytes}`` of one figure; the figure is closed afterwards."""
    fig = entry.draw(inputs)
    if not isinstance(fig, Figure):
        plt.close("all")
        raise TypeError(f"figure {entry.lesson}_{entry.name}: draw returned {type(fig).__name__}; it must return the "
                        "matplotlib Figure it drew (plot helpers return theirs).")
    files = {}
    with plt.rc_context({"svg.hashsalt": "vae-course"}):  # the same SVG ids on every run
        for suffix, metadata in ((".png", {"Software": None}), (".svg", {"Date": None})):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=suffix[1:], dpi=150, bbox_inches="tight", metadata=metadata)
            files[suffix] = buffer.getvalue()
    plt.close(fig)
    return files


def write_figures(out, entries=None, data_dir=None) -> list:
    """Draws ``entries`` (default: all of :data:`FIGURES`) and writes them into ``out``; returns the paths."""
    inputs, drawn = Inputs(data_dir), {}
    for entry in FIGURES if entries is None else entries:
        for suffix, data in render(entry, inputs).items():
            drawn[Path(out) / f"{entry.lesson}_{entry.name}{suffix}"] = data
    Path(out).mkdir(parents=True, exist_ok=True)
    return [atomic_write_bytes(path, data) for path, data in drawn.items()]


def main(out, only=None, data_dir=None) -> int:
    """``vae-course figures OUT``: writes every (or every ``only``-matching) figure; returns the exit code."""
    import time

    start = time.perf_counter()
    try:
        paths = write_figures(out, select(only), data_dir)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(paths) // 2} figures ({len(paths)} files) in {out}, {time.perf_counter() - start:.1f} s")
    return 0
