"""The lesson figures that take more than one call to draw, for :data:`vae_course.tooling.figures.FIGURES`.

Each ``draw(inputs)`` takes an :class:`~vae_course.tooling.figure_inputs.Inputs` and returns a
matplotlib Figure or Axes, drawn by the package's helpers with the lesson's data, seeds and titles.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from vae_course.demos import toy_posterior as toy
from vae_course.demos import decoder_pictures, elbo_pictures, gradient_estimators, gradient_pictures
from vae_course.demos.covariance import best_diagonal_variances, plot_gaussian_2d
from vae_course.demos.binarization_pictures import plot_dynamic_passes
from vae_course.demos.autoencoder import load_autoencoder
from vae_course.demos.elbo_gap import plot_elbo_gap
from vae_course.demos.objective_pictures import plot_kl_fits, plot_prior_decodes, plot_toy_posterior
from vae_course.demos.latent_usage import activity, kl_per_dimension, plot_latent_usage
from vae_course.demos.latent_paths import linear_path, spherical_path
from vae_course.demos.latent_pictures import plot_latent_paths
from vae_course.demos.reparameterization_graph import draw_sampling_graph
from vae_course.demos.transposed_conv import plot_transposed_conv
from vae_course.distributions import sample_eps
from vae_course.plotting import plot_latent_scatter, plot_reconstruction_rows
from vae_course.preprocessing import make_dataset, scale
from vae_course.pretrained import pretrained_info

__all__ = ["toy_posterior", "autoencoder_vs_vae", "kl_fits", "dynamic_passes", "diagonal_vs_full", "best_diagonal", "reconstructions", "decoder_panels",
           "code_scores", "fixed_vs_fresh_noise", "gradient_histograms", "variance_vs_samples",
           "sampling_graphs", "estimator_spread", "digit_costs", "latent_usage", "bound_gap_vs_k", "elbo_gap",
           "transposed_conv", "latent_scatter", "latent_paths", "benchmark_curve", "gaussian_scale"]


def toy_posterior(inputs):
    """Lesson 00: the toy model's grid posterior at x = 1.5 and its best Gaussian under KL(q || p)."""
    post = toy.grid_posterior(1.5)
    return plot_toy_posterior(post, q=toy.fit_gaussian(post["posterior"], post["grid"], "reverse"), x=1.5)


def autoencoder_vs_vae(inputs):
    """Lesson 00: the same eight prior codes decoded by the shipped autoencoder and the D = 32 VAE."""
    return plot_prior_decodes({"autoencoder": load_autoencoder(), "VAE": inputs.model(32)}, n=8, seed=1)


def kl_fits(inputs):
    """Lesson 00: the toy posterior's best Gaussians under KL(q || p) and KL(p || q)."""
    post = toy.grid_posterior(1.5)
    fits = [toy.fit_gaussian(post["posterior"], post["grid"], d) for d in ("reverse", "forward")]
    return plot_kl_fits(post["grid"], post["posterior"], *fits)


def dynamic_passes(inputs):
    """Lesson 01: the first 8 training digits on two passes over a dynamically binarized dataset."""
    dataset = make_dataset(scale(inputs.train_images[:8]), batch_size=8, shuffle=False, seed=0, dynamic=True)
    return plot_dynamic_passes([next(iter(dataset)).numpy() for _ in range(2)], difference=True)


FULL_COV = np.array([[1.0, 0.8], [0.8, 1.0]])  # lesson 02's correlated Gaussian


def diagonal_vs_full(inputs):
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.3))
    rng = np.random.default_rng(0)  # lesson 02's generator, fresh at this figure
    for ax, cov, title in [(axes[0], np.diag([2.0, 0.25]), "diagonal: Σ = diag(2, 0.25)"),
                           (axes[1], FULL_COV, "full: Σ = [[1, 0.8], [0.8, 1]]")]:
        samples = rng.multivariate_normal(np.zeros(2), cov, size=300)  # (300, 2)
        plot_gaussian_2d(np.zeros(2), cov, ax=ax, lim=4.5, samples=samples)
        ax.set_title(title)
    return fig


def best_diagonal(inputs):
    ax = plot_gaussian_2d(np.zeros(2), FULL_COV, n_stds=(1, 2), color="k", label="target p (full Σ)").axes[0]
    for divergence, color, label in [("reverse", "tab:red", "diagonal q, argmin KL(q‖p)"),
                                     ("forward", "tab:blue", "diagonal q, argmin KL(p‖q)")]:
        plot_gaussian_2d(np.zeros(2), np.diag(best_diagonal_variances(FULL_COV, divergence)), ax=ax,
                         n_stds=(1, 2), color=color, shade=False, label=label)
    ax.legend(loc="upper left", fontsize=9)
    return ax.figure


def reconstructions(inputs):
    px_z = inputs.decoded_first_digits[1]  # as lesson 05: the first test 0, 1, ..., 9
    return plot_reconstruction_rows(inputs.first_digits, px_z.mean(), px_z.sample(seed=(5, 0)), n=10)


def decoder_panels(inputs):
    x_logits, px_z = inputs.decoded_first_digits
    return decoder_pictures.plot_decoder_panels(x_logits[0], px_z.mean()[0], px_z.sample(seed=(5, 0))[0])


def code_scores(inputs):
    scores = decoder_pictures.code_image_scores(inputs.first_digits, inputs.decoded_first_digits[0])
    return decoder_pictures.plot_code_scores(scores)


GRADIENT_MU, GRADIENT_SIGMA = 3.0, 0.5  # lesson 04's toy problem: d/dmu E[z^2], z ~ N(mu, sigma^2)


def fixed_vs_fresh_noise(inputs):
    rng = np.random.default_rng(0)
    rng.normal(size=1)  # lesson 04 draws one number from its rng before this figure
    return gradient_pictures.plot_fixed_vs_fresh_noise(sample_eps([6], seed=0).numpy(), np.linspace(0.0, 3.0, 31),
                                                       std=GRADIENT_SIGMA, seed=rng)


def _lesson04_estimators(inputs):
    """Lesson 04's three estimators of d/dmu E[z^2], with the closed-form moments."""
    closed = gradient_estimators.square_objective_moments(GRADIENT_MU, GRADIENT_SIGMA)
    return closed, {"reparameterization": (gradient_estimators.reparameterization_gradients, {},
                                           "var_reparameterization"),
                    "score function": (gradient_estimators.score_function_gradients, {}, "var_score_function"),
                    "score function + baseline": (gradient_estimators.score_function_gradients,
                                                  {"baseline": closed["baseline"]}, "var_score_function_baseline")}


def gradient_histograms(inputs):
    closed, estimators = _lesson04_estimators(inputs)
    eps = sample_eps([100_000], seed=1)  # (N,)
    samples = {name: est(tf.square, GRADIENT_MU, GRADIENT_SIGMA, eps, **kw)
               for name, (est, kw, _) in estimators.items()}
    return gradient_pictures.plot_gradient_histograms(
        samples, closed["gradient"], title=r"Per-sample gradient estimates, $\mu=3$, $\sigma=0.5$",
        true_label=r"true gradient $2\mu$")


def variance_vs_samples(inputs):
    closed, estimators = _lesson04_estimators(inputs)
    ns = [1, 4, 16, 64, 256, 1024]
    variances = gradient_pictures.estimator_variances({n: (e, kw) for n, (e, kw, _) in estimators.items()}, tf.square,
                                                      GRADIENT_MU, GRADIENT_SIGMA, ns, repeats=500, seed=2)
    per_sample = {name: closed[key] for name, (_, _, key) in estimators.items()}
    return gradient_pictures.plot_variance_vs_samples(ns, variances, per_sample)


def sampling_graphs(inputs):
    fig, axes = plt.subplots(2, 1, figsize=(7.4, 6.6))  # one above the other: text at 9 pt or more on a page
    draw_sampling_graph(False, ax=axes[0])
    draw_sampling_graph(True, ax=axes[1])
    return fig


def estimator_spread(inputs):
    draws = {f"D = {d}": (an, mc) for d, (mc, an) in inputs.elbo_draws.items()}
    return elbo_pictures.plot_estimator_spread(
        draws, title="Per-digit spread of one-sample ELBO estimates\n(100 test digits, 40 draws each)")


def digit_costs(inputs):
    costs = {f"D = {d}": elbo_pictures.digit_costs(inputs.model(d), inputs.first_digits, 40, seed=100 + d)
             for d in (2, 32)}
    return elbo_pictures.plot_digit_costs(inputs.first_digits, costs)


def bound_gap_vs_k(inputs):
    x, ks = inputs.x_test[:20], [1, 5, 50, 200]  # (20, 28, 28, 1): lesson 06's digits and K values
    bounds = {f"D = {d}": elbo_pictures.iwae_bounds(inputs.model(d), x, ks) for d in (2, 32)}
    elbos = {f"D = {d}": float(an[:20].mean()) for d, (mc, an) in inputs.elbo_draws.items()}  # as lesson 06
    return elbo_pictures.plot_bound_gap_vs_k(ks, bounds, elbos, n_images=len(x))


def elbo_gap(inputs):
    shipped = {f"D = {d}": (pretrained_info(d)["iwae"], pretrained_info(d)["test_elbo"]) for d in (2, 32)}
    ax = plt.subplots(figsize=(7, 4.8))[1]
    plot_elbo_gap(shipped, ax=ax, log_px_label=r"$-\mathcal{L}_{100}$ (in place of $-\log p(x)$)",
                       gap_label=r"$\mathcal{L}_{100}-$ELBO ($\leq$ KL$(q(z|x)\,\|\,p(z|x))$)")
    ax.set_title("Shipped models, mean over the 10,000 test digits")
    return ax.figure


def transposed_conv(inputs):
    kernel = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]])  # (3, 3)
    return plot_transposed_conv(np.array([[1.0, 2.0], [3.0, 4.0]]), kernel, stride=2)


def latent_scatter(inputs):
    return plot_latent_scatter(inputs.latent_means, inputs.test_labels[:5000])


def latent_paths(inputs):
    """Lesson 09: from the first test 0 to the first test 7, linear for D = 2 and 32, spherical for D = 32."""
    models = {d: inputs.model(d) for d in (2, 32)}
    paths = {}
    for d, net in models.items():
        a, b = net.encode(inputs.first_digits[[0, 7]])[0].numpy()  # (D,) each: the two encoder means
        paths[f"D = {d}, linear"] = (d, linear_path(a, b, n=10))  # (10, D)
        if d == 32:
            paths[f"D = {d}, spherical"] = (d, spherical_path(a, b, n=10))
    return plot_latent_paths(models, paths, inputs.latent_means, inputs.test_labels[:5000], max_points=2000)


def latent_usage(inputs):
    """Lesson 06: KL and activity of each latent dimension of the D = 32 model, first 100 test digits."""
    mean, logvar = (t.numpy() for t in inputs.model(32).encode(inputs.x_test[:100]))  # (100, 32) each
    return plot_latent_usage(kl_per_dimension(mean, logvar), activity(mean))


def benchmark_curve(inputs):
    """Lesson 10: the committed benchmark's time-to-quality curve (benchmarks/results/train_speed.json)."""
    import json
    from pathlib import Path

    from vae_course.demos.speed_pictures import plot_benchmark_curve

    results = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "train_speed.json"
    if not results.is_file():
        raise ValueError(f"{results} not found: the benchmark figure needs a source checkout (run `make benchmark`).")
    return plot_benchmark_curve(json.loads(results.read_text()))


def gaussian_scale(inputs):
    """Lesson 05: a Gaussian decoder's log p(x|z) of the first test 0 against its pixel scale s."""
    x_logits, px_z = inputs.decoded_first_digits
    mu, x0 = px_z.mean()[:1], inputs.first_digits[:1]  # (1, 28, 28, 1) each
    return decoder_pictures.plot_gaussian_scale(float(tf.reduce_sum(tf.square(x0 - mu))), marks=(1.0, 0.1))
