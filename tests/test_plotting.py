"""Tests of vae_course.plotting: what each figure shows, where, and its input checks."""
from statistics import NormalDist

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.collections import PathCollection

from vae_course import plotting
from vae_course.distributions import sample_eps
from vae_course.image_files import grid_array
from vae_course.models import CVAE


@pytest.fixture(scope="module")
def model2():
    tf.keras.utils.set_random_seed(0)
    return CVAE(latent_dim=2)



def _decode_one(model, z1, z2):
    return model.decode(tf.constant([[z1, z2]], tf.float32), apply_sigmoid=True).numpy()[0, :, :, 0]


def test_reexports():
    from vae_course import image_files

    assert plotting.grid_array is grid_array
    assert plotting.write_gif is image_files.write_gif and plotting.save_figure is image_files.save_figure


def test_image_grid_draws_one_untitled_panel_or_into_given_ax():
    images = np.random.default_rng(0).random((12, 28, 28, 1)).astype(np.float32)
    fig = plotting.image_grid(images, ncols=5)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 1
    (ax,) = fig.axes
    assert len(ax.images) == 1
    np.testing.assert_array_equal(ax.images[0].get_array(), grid_array(images, 5))
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == [] and ax.get_title() == ""
    fig, (left, right) = plt.subplots(1, 2)
    assert plotting.image_grid(images[..., 0], ax=right, title="twelve", cmap="viridis") is fig
    assert len(left.images) == 0 and len(right.images) == 1 and right.get_title() == "twelve"
    assert right.images[0].get_cmap().name == "viridis" and right.images[0].get_clim() == (0, 255)
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        plotting.image_grid(np.zeros((28, 28), np.float32))


def test_plot_reconstruction_rows_three_labelled_rows():
    rng = np.random.default_rng(1)
    x = (rng.random((10, 28, 28, 1)) < 0.3).astype(np.float32)
    x_mean = tf.constant(rng.random((10, 28, 28, 1)), tf.float32)  # tensors are accepted
    x_sample = (rng.random((10, 28, 28, 1)) < 0.5).astype(np.float32)
    fig = plotting.plot_reconstruction_rows(x, x_mean, x_sample, n=6)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
    for ax, expected in zip(fig.axes, (x, x_mean.numpy(), x_sample)):
        assert len(ax.images) == 1 and ax.get_ylabel()
        np.testing.assert_array_equal(ax.images[0].get_array(), grid_array(expected[:6], ncols=6))
    assert [ax.get_ylabel().split("\n")[0] for ax in fig.axes] == ["input", "mean", "sample"]
    given = plt.figure()
    assert plotting.plot_reconstruction_rows(x[:3], x[:3], x[:3], fig=given) is given  # n > B shows all B
    assert given.axes[0].images[0].get_array().shape == (28, 3 * 29 - 1)
    with pytest.raises(ValueError, match="same shape"):
        plotting.plot_reconstruction_rows(x, x[:5], x)
    with pytest.raises(ValueError, match="logits"):
        plotting.plot_reconstruction_rows(x, x * 10.0 - 5.0, x)  # logits instead of means


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-np.asarray(t, np.float64)))


def test_plot_reconstructions_of_a_model_decodes_the_encoder_mean_and_samples_it(model2):
    rng = np.random.default_rng(4)
    x = (rng.random((5, 28, 28, 1)) < 0.3).astype(np.float32)
    fig = plotting.plot_reconstructions(model2, x, n=4, seed=7)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
    rows = [ax.images[0].get_array() for ax in fig.axes]
    np.testing.assert_array_equal(rows[0], grid_array(x[:4], ncols=4))
    # the mean row, image by image from the encoder's mean run through the decoder's Keras layers
    for j in range(4):
        mean_j = model2.encoder(x[j:j + 1])[0].numpy()  # (1, 2)
        expected = _sigmoid(model2.decoder(mean_j).numpy()[0, :, :, 0])  # (28, 28)
        np.testing.assert_allclose(rows[1][:, 29 * j:29 * j + 28], np.round(expected * 255), atol=1)
    tiles = [rows[2][:, 29 * j:29 * j + 28] for j in range(4)]
    assert all(set(np.unique(t)) <= {0, 255} for t in tiles)  # a sample of p(x|z) is binary
    again = plotting.plot_reconstructions(model2, x, n=4, seed=7).axes[2].images[0].get_array()
    other = plotting.plot_reconstructions(model2, x, n=4, seed=8).axes[2].images[0].get_array()
    np.testing.assert_array_equal(again, rows[2])  # the seed is the only randomness
    assert not np.array_equal(other, rows[2])
    # with eps, z = mean + exp(logvar / 2) * eps
    eps = 30 * rng.normal(size=(5, 2)).astype(np.float32)  # far from the mean, so that the row differs visibly
    noisy = plotting.plot_reconstructions(model2, x, n=4, eps=eps).axes[1].images[0].get_array()
    assert np.abs(noisy.astype(int) - rows[1].astype(int)).max() > 10
    mean, logvar = (t.numpy() for t in model2.encoder(x))
    z = mean + np.exp(0.5 * logvar) * eps
    expected = _sigmoid(model2.decoder(z.astype(np.float32)).numpy()[:4])
    np.testing.assert_allclose(noisy, grid_array(expected, ncols=4), atol=1)


def test_plot_prior_samples_decodes_sample_eps(model2):
    (ax,) = plotting.plot_prior_samples(model2, n=9, seed=3).axes
    z = np.asarray(tf.random.stateless_normal((9, 2), seed=[3, 0]))  # what sample_eps(.., 3) draws
    expected = np.stack([_decode_one(model2, *zi) for zi in z])  # (9, 28, 28), one at a time
    shown = ax.images[0].get_array()
    assert shown.shape == (3 * 29 - 1, 3 * 29 - 1)  # n = 9 gives a 3 x 3 grid
    np.testing.assert_allclose(shown[29:57, 58:86], np.round(expected[5] * 255), atol=1)  # image 5: row 1, col 2
    np.testing.assert_array_equal(sample_eps((9, 2), 3), z)
    fig, given = plt.subplots()
    assert plotting.plot_prior_samples(model2, n=9, seed=4, ax=given) is fig
    assert not np.array_equal(given.images[0].get_array(), shown)


def test_latent_manifold_array_orientation(model2):
    n = 5
    image = plotting.latent_manifold_array(model2, n)
    assert image.shape == (n * 28, n * 28) and image.min() >= 0 and image.max() <= 1
    p = np.linspace(0.05, 0.95, n)
    q = [NormalDist().inv_cdf(pi) for pi in p]  # increasing Normal(0, 1) quantiles
    cell = lambda i, j: image[28 * i:28 * (i + 1), 28 * j:28 * (j + 1)]  # noqa: E731
    for i, j in [(0, 0), (0, n - 1), (n - 1, 0), (n - 1, n - 1), (1, 3), (2, 2)]:
        # column j: z1 = q[j] grows to the right; row i: z2 = q[n-1-i] grows upward (row 0 on top)
        np.testing.assert_allclose(cell(i, j), _decode_one(model2, q[j], q[n - 1 - i]), atol=1e-5)
    # the test can tell orientations apart: the TF tutorial's (z2 growing downward) differs
    tutorial = _decode_one(model2, q[0], q[0])
    assert np.abs(cell(0, 0) - tutorial).max() > 1e-3


def test_plot_latent_manifold_axes_agree_with_scatter(model2):
    fig, ax = plt.subplots()
    assert plotting.plot_latent_manifold(model2, n=5, ax=ax) is fig
    np.testing.assert_array_equal(ax.images[0].get_array(), plotting.latent_manifold_array(model2, 5))
    assert ax.get_xlabel() == "$z_1$" and ax.get_ylabel() == "$z_2$"
    fig.canvas.draw()
    q = [NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, 5)]
    xs = [(t.get_loc(), float(t.label1.get_text().replace("−", "-"))) for t in ax.xaxis.get_major_ticks()]
    ys = [(t.get_loc(), float(t.label1.get_text().replace("−", "-"))) for t in ax.yaxis.get_major_ticks()]
    np.testing.assert_allclose([v for _, v in xs], q, atol=0.006)
    # on screen: x grows to the right, z2 labels grow upward (pixel rows grow downward)
    to_screen = ax.transData.transform
    assert all(np.diff([to_screen((loc, 0))[0] for loc, _ in sorted(xs, key=lambda t: t[1])]) > 0)
    assert all(np.diff([to_screen((0, loc))[1] for loc, _ in sorted(ys, key=lambda t: t[1])]) > 0)


def test_latent_manifold_refuses_other_latent_dims():
    model3 = CVAE(latent_dim=3)
    for f in (plotting.latent_manifold_array, plotting.plot_latent_manifold):
        with pytest.raises(ValueError, match="latent_dim == 2.*latent_dim=3"):
            f(model3)


def test_plot_latent_scatter_points_colours_legend():
    rng = np.random.default_rng(2)
    mean = rng.normal(size=(200, 2)).astype(np.float32)
    labels = rng.integers(0, 10, 200).astype(np.uint8)
    (ax,) = plotting.plot_latent_scatter(mean, labels).axes
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    offsets = np.asarray(points.get_offsets())
    assert len(offsets) == 200
    order = [int(np.flatnonzero((mean == o).all(axis=1))[0]) for o in offsets]
    assert sorted(order) == list(range(200)) and order != list(range(200))  # all points, shuffled
    # Paul Tol's muted palette and black, written out here: one colour per digit 0..9
    palette = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
               "#000000"]
    expected = [matplotlib.colors.to_rgba(palette[labels[k]], alpha=0.7) for k in order]
    np.testing.assert_allclose(points.to_rgba(points.get_array(), alpha=0.7), expected)
    assert len({matplotlib.colors.to_hex(points.cmap(d)) for d in range(10)}) == 10
    digit_labels = {t.get_text(): t.get_position() for t in ax.texts if t.get_gid() == "digit_label"}
    assert sorted(digit_labels) == sorted(str(d) for d in set(labels.tolist()))
    np.testing.assert_allclose(digit_labels["3"], np.median(mean[labels == 3], axis=0), rtol=1e-6)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [str(d) for d in range(10)]
    assert "z_1" in ax.get_xlabel() and "z_2" in ax.get_ylabel()
    fig, given = plt.subplots()
    assert plotting.plot_latent_scatter(tf.constant(mean), labels, ax=given, max_points=50, seed=1) is fig
    assert len(given.collections[0].get_offsets()) == 50


@pytest.mark.parametrize("mean, labels, match", [
    (np.zeros((5, 3), np.float32), np.zeros(5, int), r"\(N, 2\)"),
    (np.zeros(5, np.float32), np.zeros(5, int), r"\(N, 2\)"),
    (np.zeros((5, 2), np.float32), np.zeros(4, int), "labels"),
    (np.zeros((5, 2), np.float32), np.zeros(5, np.float32), "integers"),
    (np.zeros((5, 2), np.float32), np.full(5, 10), "0..9"),
    (np.full((5, 2), np.nan, np.float32), np.zeros(5, int), "finite"),
])
def test_plot_latent_scatter_refuses_bad_input(mean, labels, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_latent_scatter(mean, labels)


def test_plot_training_curves():
    metrics = [{"epoch": e, "train_loss": 200.0 - 10 * e, "test_elbo": -195.0 + 9 * e if e != 2 else None,
                "seconds": 3.0} for e in (1, 2, 3)]
    (ax,) = plotting.plot_training_curves(metrics).axes
    train, test = ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(train.get_ydata(), [-190.0, -180.0, -170.0])  # −train_loss
    np.testing.assert_array_equal(test.get_xdata(), [1, 3])  # epoch 2 was not evaluated
    np.testing.assert_array_equal(test.get_ydata(), [-186.0, -168.0])
    assert "nats" in ax.get_ylabel() and ax.get_xlabel() == "epoch"
    fig, given = plt.subplots()
    assert plotting.plot_training_curves(metrics[:1], ax=given) is fig
    with pytest.raises(ValueError, match="non-empty list"):
        plotting.plot_training_curves([])
    with pytest.raises(ValueError, match="test_elbo"):
        plotting.plot_training_curves([{"epoch": 1, "train_loss": 3.0}])


@pytest.mark.parametrize("n", [0, -2, 2.5])
def test_bad_counts_are_refused(model2, n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        plotting.plot_prior_samples(model2, n=n)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        plotting.latent_manifold_array(model2, n=n)


def _plot_helpers():
    """(module path, function) of every public ``plot_*``/``draw_*`` function of the package, read from its source."""
    import ast
    from pathlib import Path

    package = Path(plotting.__file__).parent
    for path in sorted(package.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.split("_")[0] in ("plot", "draw"):
                yield path.relative_to(package).as_posix(), node


def _own_returns(node):
    import ast

    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(child, ast.Return):
            yield child
        yield from _own_returns(child)


def test_every_plot_helper_takes_ax_or_fig_and_never_returns_a_bare_axes():
    """The one figure convention (README, package layout): ``ax=``/``fig=`` in, the Figure out. The tests of
    each helper assert that the value is a Figure; this one catches a new helper that returns its Axes."""
    helpers = list(_plot_helpers())
    assert len(helpers) >= 35  # the scan found the helpers (39 when written)
    wrong = []
    for module, node in helpers:
        params = {a.arg for a in node.args.args + node.args.kwonlyargs}
        if not params & {"ax", "fig"}:
            wrong.append(f"{module}::{node.name} takes neither ax= nor fig=")
        for ret in _own_returns(node):
            if ret.value is None or (type(ret.value).__name__ == "Name" and ret.value.id in ("ax", "axes")):
                wrong.append(f"{module}::{node.name} line {ret.lineno} returns its Axes, not the Figure")
    assert not wrong, "\n".join(wrong)
