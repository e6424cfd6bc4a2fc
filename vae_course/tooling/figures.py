"""Every figure the lessons show, for instructors' slides: ``vae-course figures OUT``.

The figures are drawn by the package's plotting helpers from MNIST (``load_mnist``: ``--data-dir``,
then ``$VAE_COURSE_DATA``, then Keras' download) and the shipped weights (``load_pretrained``), and
written as ``OUT/<lesson>_<name>.png`` and ``.svg``. :data:`FIGURES` is the registry: adding a figure
is adding one line ``FigureEntry(lesson, name, draw)``, where ``draw(inputs)`` returns a matplotlib
Figure or Axes. Everything is drawn in memory first, so a failure writes nothing.
"""
from __future__ import annotations

import fnmatch
import functools
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from vae_course.atomic_write import atomic_write_bytes
from vae_course.data import load_mnist
from vae_course.demos import decoder_pictures, elbo_pictures, gradient_estimators, gradient_pictures
from vae_course.demos.binarization_pictures import plot_binarizations, plot_dynamic_passes
from vae_course.demos.covariance import best_diagonal_variances, plot_gaussian_2d, plot_normal_densities
from vae_course.demos.elbo_gap import plot_elbo_gap
from vae_course.demos.latent_paths import linear_path, spherical_path
from vae_course.demos.latent_pictures import plot_latent_paths, plot_reconstructions_by_model
from vae_course.demos.pixel_stats import plot_pixel_histogram
from vae_course.demos.reparameterization_graph import draw_sampling_graph
from vae_course.demos.transposed_conv import plot_transposed_conv
from vae_course.demos.variance_parametrization import plot_sigma_parametrizations
from vae_course.distributions import decoder_distribution, sample_eps
from vae_course.model_map import draw_model_map
from vae_course.plotting import (plot_latent_manifold, plot_latent_scatter, plot_prior_samples,
                                 plot_reconstructions, plot_training_curves)
from vae_course.preprocessing import binarize, make_dataset, scale
from vae_course.pretrained import load_pretrained, pretrained_info

__all__ = ["Inputs", "FigureEntry", "FIGURES", "MAP_HIGHLIGHTS", "select", "render", "write_figures", "main"]


class Inputs:
    """What the figures draw from, loaded once and on first use."""

    def __init__(self, data_dir=None):
        self.data_dir = data_dir  # folder of the MNIST .gz files; None: $VAE_COURSE_DATA, then download
        self._models = {}  # latent_dim -> the shipped CVAE

    @functools.cached_property
    def _mnist(self):
        return load_mnist(self.data_dir)  # ((60000, 28, 28) uint8, labels), ((10000, 28, 28) uint8, labels)

    @property
    def _test(self):
        return self._mnist[1]

    @property
    def train_images(self):
        return self._mnist[0][0]  # (60000, 28, 28) uint8

    @property
    def test_images(self):
        return self._test[0]  # (10000, 28, 28) uint8

    @property
    def test_labels(self):
        return self._test[1]  # (10000,) int

    @functools.cached_property
    def x_test(self):
        return binarize(self.test_images)  # (10000, 28, 28, 1) float32 in {0, 1}

    @functools.cached_property
    def first_digits(self):
        """x of the first test 0, 1, ..., 9 (lessons 05, 06)."""
        return self.x_test[[int(np.flatnonzero(self.test_labels == d)[0]) for d in range(10)]]  # (10, 28, 28, 1)

    @functools.cached_property
    def decoded_first_digits(self):
        """(x_logits, p(x|z)) of :attr:`first_digits` at their encoder means, shipped latent-2 model (lesson 05)."""
        model = self.model(2)
        x_logits = model.decode(model.encode(self.first_digits)[0])  # (10, 28, 28, 1)
        return x_logits, decoder_distribution(x_logits)

    @functools.cached_property
    def elbo_draws(self):
        """latent_dim -> (mc, analytic) ELBO draws (100, 40) of the first 100 test digits, seeds (D, s) (lesson 06)."""
        return {d: elbo_pictures.elbo_draws(self.model(d), self.x_test[:100], 40, seed=d) for d in (2, 32)}

    @functools.cached_property
    def latent_means(self):
        """Encoder means of the first 5,000 test digits under the shipped latent-2 model (lesson 09)."""
        x = self.x_test[:5000]  # (5000, 28, 28, 1)
        return np.concatenate([self.model(2).encode(x[i:i + 1000])[0].numpy() for i in range(0, 5000, 1000)])

    def model(self, latent_dim: int):
        if latent_dim not in self._models:
            self._models[latent_dim] = load_pretrained(latent_dim)
        return self._models[latent_dim]

    @functools.cached_property
    def metrics(self):
        """The shipped latent-2 run's metrics.csv, as the list of dicts plot_training_curves takes."""
        header, *rows = pretrained_info(2)["metrics"].strip().splitlines()
        return [dict(zip(header.split(","), map(float, row.split(",")))) for row in rows]


def _dynamic_passes(inputs):
    """Lesson 01: the first 8 training digits on two passes over a dynamically binarized dataset."""
    dataset = make_dataset(scale(inputs.train_images[:8]), batch_size=8, shuffle=False, seed=0, dynamic=True)
    return plot_dynamic_passes([next(iter(dataset)).numpy() for _ in range(2)])


FULL_COV = np.array([[1.0, 0.8], [0.8, 1.0]])  # lesson 02's correlated Gaussian


def _diagonal_vs_full(inputs):
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.3))
    rng = np.random.default_rng(0)  # lesson 02's generator, fresh at this figure
    for ax, cov, title in [(axes[0], np.diag([2.0, 0.25]), "diagonal: Σ = diag(2, 0.25)"),
                           (axes[1], FULL_COV, "full: Σ = [[1, 0.8], [0.8, 1]]")]:
        samples = rng.multivariate_normal(np.zeros(2), cov, size=300)  # (300, 2)
        plot_gaussian_2d(np.zeros(2), cov, ax=ax, lim=4.5, samples=samples)
        ax.set_title(title)
    return fig


def _best_diagonal(inputs):
    ax = plot_gaussian_2d(np.zeros(2), FULL_COV, n_stds=(1, 2), color="k", label="target p (full Σ)")
    for divergence, color, label in [("reverse", "tab:red", "diagonal q, argmin KL(q‖p)"),
                                     ("forward", "tab:blue", "diagonal q, argmin KL(p‖q)")]:
        plot_gaussian_2d(np.zeros(2), np.diag(best_diagonal_variances(FULL_COV, divergence)), ax=ax,
                         n_stds=(1, 2), color=color, shade=False, label=label)
    ax.legend(loc="upper left", fontsize=8)
    return ax


def _reconstructions(inputs):
    px_z = inputs.decoded_first_digits[1]  # as lesson 05: the first test 0, 1, ..., 9
    return plot_reconstructions(inputs.first_digits, px_z.mean(), px_z.sample(seed=(5, 0)), n=10)


def _decoder_panels(inputs):
    x_logits, px_z = inputs.decoded_first_digits
    return decoder_pictures.plot_decoder_panels(x_logits[0], px_z.mean()[0], px_z.sample(seed=(5, 0))[0])


def _code_scores(inputs):
    scores = decoder_pictures.code_image_scores(inputs.first_digits, inputs.decoded_first_digits[0])
    return decoder_pictures.plot_code_scores(scores)


GRADIENT_MU, GRADIENT_SIGMA = 3.0, 0.5  # lesson 04's toy problem: d/dmu E[z^2], z ~ N(mu, sigma^2)


def _fixed_vs_fresh_noise(inputs):
    rng = np.random.default_rng(0)
    rng.normal(size=1)  # lesson 04 draws one number from its rng before this figure
    return gradient_pictures.plot_fixed_vs_fresh_noise(sample_eps([6], seed=0).numpy(), np.linspace(0.0, 3.0, 31),
                                                       std=GRADIENT_SIGMA, seed=rng)


def _gradient_estimators(inputs):
    """Lesson 04's three estimators of d/dmu E[z^2], with the closed-form moments."""
    closed = gradient_estimators.square_objective_moments(GRADIENT_MU, GRADIENT_SIGMA)
    return closed, {"reparameterization": (gradient_estimators.reparameterization_gradients, {},
                                           "var_reparameterization"),
                    "score function": (gradient_estimators.score_function_gradients, {}, "var_score_function"),
                    "score function + baseline": (gradient_estimators.score_function_gradients,
                                                  {"baseline": closed["baseline"]}, "var_score_function_baseline")}


def _gradient_histograms(inputs):
    closed, estimators = _gradient_estimators(inputs)
    eps = sample_eps([100_000], seed=1)  # (N,)
    samples = {name: est(tf.square, GRADIENT_MU, GRADIENT_SIGMA, eps, **kw)
               for name, (est, kw, _) in estimators.items()}
    return gradient_pictures.plot_gradient_histograms(
        samples, closed["gradient"], title=r"Per-sample gradient estimates, $\mu=3$, $\sigma=0.5$",
        true_label=r"true gradient $2\mu$")


def _variance_vs_samples(inputs):
    closed, estimators = _gradient_estimators(inputs)
    ns = [1, 4, 16, 64, 256, 1024]
    variances = gradient_pictures.estimator_variances({n: (e, kw) for n, (e, kw, _) in estimators.items()}, tf.square,
                                                      GRADIENT_MU, GRADIENT_SIGMA, ns, repeats=500, seed=2)
    per_sample = {name: closed[key] for name, (_, _, key) in estimators.items()}
    return gradient_pictures.plot_variance_vs_samples(ns, variances, per_sample)


def _sampling_graphs(inputs):
    fig, axes = plt.subplots(1, 2, figsize=(15, 3.8))
    draw_sampling_graph(False, ax=axes[0])
    draw_sampling_graph(True, ax=axes[1])
    return fig


def _estimator_spread(inputs):
    draws = {f"D = {d}": (an, mc) for d, (mc, an) in inputs.elbo_draws.items()}
    return elbo_pictures.plot_estimator_spread(
        draws, title="Per-digit spread of one-sample ELBO estimates\n(100 test digits, 40 draws each)")


def _digit_costs(inputs):
    costs = {f"D = {d}": elbo_pictures.digit_costs(inputs.model(d), inputs.first_digits, 40, seed=100 + d)
             for d in (2, 32)}
    return elbo_pictures.plot_digit_costs(inputs.first_digits, costs)


def _bound_gap_vs_k(inputs):
    x, ks = inputs.x_test[:20], [1, 5, 50, 200]  # (20, 28, 28, 1): lesson 06's digits and K values
    bounds = {f"D = {d}": elbo_pictures.iwae_bounds(inputs.model(d), x, ks) for d in (2, 32)}
    elbos = {f"D = {d}": float(an[:20].mean()) for d, (mc, an) in inputs.elbo_draws.items()}  # as lesson 06
    return elbo_pictures.plot_bound_gap_vs_k(ks, bounds, elbos, n_images=len(x))


def _elbo_gap(inputs):
    shipped = {f"D = {d}": (pretrained_info(d)["iwae"], pretrained_info(d)["test_elbo"]) for d in (2, 32)}
    ax = plt.subplots(figsize=(7, 4.8))[1]
    ax = plot_elbo_gap(shipped, ax=ax, log_px_label=r"$-\mathcal{L}_{100}$ (in place of $-\log p(x)$)",
                       gap_label=r"$\mathcal{L}_{100}-$ELBO ($\leq$ KL$(q(z|x)\,\|\,p(z|x))$)")
    ax.set_title("Shipped models, mean over the 10,000 test digits")
    return ax


def _transposed_conv(inputs):
    kernel = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]])  # (3, 3)
    return plot_transposed_conv(np.array([[1.0, 2.0], [3.0, 4.0]]), kernel, stride=2)


def _latent_scatter(inputs):
    return plot_latent_scatter(inputs.latent_means, inputs.test_labels[:5000])


def _latent_paths(inputs):
    """Lesson 09: from the first test 0 to the first test 7, linear for D = 2 and 32, spherical for D = 32."""
    models = {d: inputs.model(d) for d in (2, 32)}
    paths = {}
    for d, net in models.items():
        a, b = net.encode(inputs.first_digits[[0, 7]])[0].numpy()  # (D,) each: the two encoder means
        paths[f"D = {d}, linear"] = (d, linear_path(a, b, n=10))  # (10, D)
        if d == 32:
            paths[f"D = {d}, spherical"] = (d, spherical_path(a, b, n=10))
    return plot_latent_paths(models, paths, inputs.latent_means, inputs.test_labels[:5000], max_points=2000)


@dataclass(frozen=True)
class FigureEntry:
    lesson: str  # two-digit lesson number, as in lessons/NN_<topic>.ipynb
    name: str  # the figure's name; files <lesson>_<name>.png and .svg
    draw: Callable  # draw(inputs: Inputs) -> matplotlib Figure or Axes


MAP_HIGHLIGHTS = {"01": "data", "02": "posterior", "03": "posterior", "04": "reparameterization",
                  "05": "likelihood", "06": "elbo", "07": "encoder", "08": "elbo", "09": "posterior", "10": "elbo"}

FIGURES = sorted([  # one line per figure; sorted into lesson order
    *(FigureEntry(n, "model_map", lambda i, h=h: draw_model_map(highlight=h)) for n, h in MAP_HIGHLIGHTS.items()),
    FigureEntry("01", "pixel_histogram", lambda i: plot_pixel_histogram(i.test_images)),
    FigureEntry("01", "binarization", lambda i: plot_binarizations(i.test_images[:1], seeds=(0, 1, 2))),
    FigureEntry("01", "dynamic_passes", _dynamic_passes),
    FigureEntry("02", "normal_densities", lambda i: plot_normal_densities()),
    FigureEntry("02", "diagonal_vs_full", _diagonal_vs_full),
    FigureEntry("02", "best_diagonal", _best_diagonal),
    FigureEntry("03", "sigma_parametrizations", lambda i: plot_sigma_parametrizations()),
    FigureEntry("04", "fixed_vs_fresh_noise", _fixed_vs_fresh_noise),
    FigureEntry("04", "sampling_graphs", _sampling_graphs),
    FigureEntry("04", "gradient_histograms", _gradient_histograms),
    FigureEntry("04", "variance_vs_samples", _variance_vs_samples),
    FigureEntry("05", "decoder_panels", _decoder_panels),
    FigureEntry("05", "mean_and_samples", lambda i: decoder_pictures.plot_mean_and_samples(
        i.decoded_first_digits[1].mean()[0], i.decoded_first_digits[1].sample(8, seed=(6, 0))[:, 0])),
    FigureEntry("05", "reconstructions", _reconstructions),
    FigureEntry("05", "code_scores", _code_scores),
    FigureEntry("06", "estimator_spread", _estimator_spread),
    FigureEntry("06", "digit_costs", _digit_costs),
    FigureEntry("06", "bound_gap_vs_k", _bound_gap_vs_k),
    FigureEntry("06", "elbo_gap", _elbo_gap),
    FigureEntry("07", "transposed_conv", _transposed_conv),
    FigureEntry("08", "training_curves", lambda i: plot_training_curves(i.metrics)),
    FigureEntry("09", "latent_manifold", lambda i: plot_latent_manifold(i.model(2), n=20)),
    FigureEntry("09", "latent_scatter", _latent_scatter),
    FigureEntry("09", "latent_paths", _latent_paths),
    FigureEntry("09", "reconstructions_by_model", lambda i: plot_reconstructions_by_model(
        i.first_digits, {d: i.model(d) for d in (2, 32)})),
    FigureEntry("09", "prior_samples_latent2", lambda i: plot_prior_samples(i.model(2), n=16, seed=0)),
    FigureEntry("09", "prior_samples_latent32", lambda i: plot_prior_samples(i.model(32), n=16, seed=0)),
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
    drawn = entry.draw(inputs)
    fig = drawn if isinstance(drawn, Figure) else drawn.figure
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
