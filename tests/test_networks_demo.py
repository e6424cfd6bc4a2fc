"""Tests of vae_course.demos.networks and demos.transposed_conv (lesson 07).

References: the figures Keras prints in ``model.summary()``, hand-computed shapes and parameter
counts, Keras layers themselves, and TensorFlow's ``tf.nn.conv2d_transpose`` / ``tf.nn.conv2d``.
"""
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

from vae_course.demos.networks import conv_output_size, format_layer_table, layer_table
from vae_course.demos.transposed_conv import plot_transposed_conv, stamp, transposed_conv2d
from vae_course.models import CVAE, ModelConfig


@pytest.fixture(scope="module")
def model():
    return CVAE(latent_dim=2)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _summary_rows(network):
    """(name, type, output shape text, params) parsed from Keras' printed summary, and its total."""
    lines = []
    network.summary(print_fn=lambda line, *a, **k: lines.extend(line.splitlines()))
    rows = []
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if cells[2]:
            rows.append([cells[0], cells[1], int(cells[2].replace(",", ""))])
        else:  # a wrapped name: "conv2d_transpose" then "(Conv2DTranspose)" on the next line
            rows[-1][0] += " " + cells[0]
    total = int(re.search(r"Total params: ([\d,]+)", "\n".join(lines)).group(1).replace(",", ""))
    parsed = []
    for name_type, shape, params in rows:
        name, kind = re.fullmatch(r"(\S+) \((\w+)\)", name_type).groups()
        parsed.append((name, kind, shape, params))
    return parsed, total


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_layer_table_agrees_with_model_summary(model, part):
    network = getattr(model, part)
    rows = layer_table(network)
    printed, total = _summary_rows(network)
    assert len(rows) == len(printed)
    for row, (name, kind, shape, params) in zip(rows, printed):
        assert (row.name, row.kind, row.params) == (name, kind, params)
        if shape != "?":  # Keras prints "?" for the Reshape of a subclassed model
            assert row.output_shape[1:] == tuple(int(s) for s in shape.strip("()").split(","))[1:]
        assert row.output_shape[0] is None
    assert sum(r.params for r in rows) == total == network.count_params()


def test_layer_table_matches_hand_computed_shapes_and_counts(model):
    enc = [(r.kind, r.output_shape, r.params) for r in layer_table(model.encoder)]
    assert enc == [("Conv2D", (None, 13, 13, 32), 3 * 3 * 1 * 32 + 32),
                   ("Conv2D", (None, 6, 6, 64), 3 * 3 * 32 * 64 + 64),
                   ("Flatten", (None, 6 * 6 * 64), 0),
                   ("Dense", (None, 4), 2304 * 4 + 4)]
    dec = [(r.kind, r.output_shape, r.params) for r in layer_table(model.decoder)]
    assert dec == [("Dense", (None, 7 * 7 * 32), 2 * 1568 + 1568),
                   ("Reshape", (None, 7, 7, 32), 0),
                   ("Conv2DTranspose", (None, 14, 14, 64), 3 * 3 * 32 * 64 + 64),
                   ("Conv2DTranspose", (None, 28, 28, 32), 3 * 3 * 64 * 32 + 32),
                   ("Conv2DTranspose", (None, 28, 28, 1), 3 * 3 * 32 * 1 + 1)]


def test_layer_table_of_another_configuration():
    m = CVAE(config=ModelConfig(latent_dim=5, filters=(8, 16), kernel_size=5, decoder_channels=4))
    enc = [(r.output_shape, r.params) for r in layer_table(m.encoder)]
    assert enc == [((None, 12, 12, 8), 25 * 8 + 8), ((None, 4, 4, 16), 25 * 8 * 16 + 16),
                   ((None, 256), 0), ((None, 10), 256 * 10 + 10)]
    dec = [(r.output_shape, r.params) for r in layer_table(m.decoder)]
    assert dec == [((None, 196), 5 * 196 + 196), ((None, 7, 7, 4), 0), ((None, 14, 14, 16), 25 * 4 * 16 + 16),
                   ((None, 28, 28, 8), 25 * 16 * 8 + 8), ((None, 28, 28, 1), 25 * 8 + 1)]
    assert m.decoder(tf.zeros((3, 5))).shape == (3, 28, 28, 1)


@pytest.mark.parametrize("n,k,s,padding", [(28, 3, 2, "valid"), (13, 3, 2, "valid"), (9, 4, 3, "valid"),
                                           (28, 3, 2, "same"), (7, 5, 3, "same"), (6, 1, 1, "valid")])
def test_conv_output_size_agrees_with_keras(n, k, s, padding):
    got = tf.keras.layers.Conv2D(1, k, strides=s, padding=padding)(tf.zeros((1, n, n, 1))).shape[1]
    assert conv_output_size(n, k, s, padding) == got
    got_t = tf.keras.layers.Conv2DTranspose(1, k, strides=s, padding=padding)(tf.zeros((1, n, n, 1))).shape[1]
    assert conv_output_size(n, k, s, padding, transposed=True) == got_t


def test_bad_inputs_are_refused(model):
    with pytest.raises(ValueError, match="Keras model"):
        layer_table(tf.keras.layers.Dense(3))
    with pytest.raises(ValueError, match="no built layers"):
        layer_table(tf.keras.Sequential([tf.keras.layers.Dense(3)]))
    built = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="input_shape"):
        layer_table(built)
    assert layer_table(built, input_shape=(4,))[0].output_shape == (None, 3)
    for args in [(0, 3, 2, "valid"), (28, 3, 2, "full"), (2, 3, 1, "valid"), (28, 3, True, "same")]:
        with pytest.raises(ValueError):
            conv_output_size(*args)
    with pytest.raises(ValueError, match="empty"):
        format_layer_table([])
    assert conv_output_size(np.int64(28), np.int32(3), np.int64(2), "valid") == 13  # numpy integers are fine


def test_format_layer_table_lists_every_row_and_the_total(model):
    text = format_layer_table(layer_table(model.encoder), title="encoder")
    lines = text.splitlines()
    assert lines[0] == "encoder" and len(lines) == 2 + 4 + 1
    assert "(None, 13, 13, 32)" in lines[2] and lines[2].rstrip().endswith("320")
    assert lines[-1].startswith("total") and lines[-1].rstrip().endswith("28,036")


@pytest.mark.parametrize("h,w,k,s", [(2, 2, 3, 2), (3, 4, 3, 1), (4, 3, 2, 3), (1, 1, 3, 2), (5, 5, 4, 2)])
def test_transposed_conv2d_agrees_with_tensorflow_and_is_the_adjoint_of_conv(h, w, k, s):
    rng = np.random.default_rng(h * 100 + w * 10 + k)
    x, kernel = rng.normal(size=(h, w)), rng.normal(size=(k, k))
    out_shape = ((h - 1) * s + k, (w - 1) * s + k)
    ref = tf.nn.conv2d_transpose(x[None, :, :, None], kernel[:, :, None, None], (1, *out_shape, 1), s, "VALID")
    y = transposed_conv2d(x, kernel, s)
    np.testing.assert_allclose(y, ref.numpy()[0, :, :, 0], rtol=1e-10, atol=1e-10)
    # adjoint: <conv(v), x> = <v, conv_transpose(x)> for any v of the output's shape
    v = rng.normal(size=out_shape)
    conv_v = tf.nn.conv2d(v[None, :, :, None], kernel[:, :, None, None], s, "VALID").numpy()[0, :, :, 0]
    assert conv_v.shape == x.shape
    np.testing.assert_allclose(np.sum(conv_v * x), np.sum(v * y), rtol=1e-9)
    np.testing.assert_allclose(sum(stamp(x, kernel, s, i, j) for i in range(h) for j in range(w)), y)


@pytest.mark.parametrize("n,k,s,start", [(7, 3, 2, 0), (7, 3, 1, 1), (5, 5, 2, 1), (5, 4, 2, 1), (5, 5, 3, 1)])
def test_keras_same_padding_keeps_n_times_s_rows_and_columns_of_the_full_output(n, k, s, start):
    rng = np.random.default_rng(7)
    x, kernel = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    layer = tf.keras.layers.Conv2DTranspose(1, k, strides=s, padding="same", use_bias=False)
    layer.build((None, n, n, 1))
    layer.set_weights([kernel[:, :, None, None]])
    got = layer(x[None, :, :, None].astype(np.float32)).numpy()[0, :, :, 0]  # (n·s, n·s)
    window = slice(start, start + n * s)
    np.testing.assert_allclose(got, transposed_conv2d(x, kernel, s)[window, window], rtol=1e-4, atol=1e-4)


def test_stamp_places_one_scaled_kernel():
    x, kernel = np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(9.0).reshape(3, 3)
    s = stamp(x, kernel, 2, 1, 0)
    assert s.shape == (5, 5)
    np.testing.assert_array_equal(s[2:5, 0:3], 3.0 * kernel)
    assert np.count_nonzero(s[:2]) == 0 and np.count_nonzero(s[:, 3:]) == 0
    for bad in [dict(stride=0), dict(stride=2.0), dict(i=2)]:
        with pytest.raises(ValueError):
            stamp(x, kernel, **{"stride": 2, "i": 0, "j": 0, **bad})
    with pytest.raises(ValueError, match="2-D"):
        transposed_conv2d(np.zeros((2, 2, 1)), kernel, 2)
    with pytest.raises(ValueError, match="finite"):
        transposed_conv2d(np.array([[np.nan]]), kernel, 2)


def test_plot_transposed_conv_draws_input_kernel_stamps_and_sum():
    x, kernel = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]])
    fig = plot_transposed_conv(x, kernel, 2)
    axes = fig.axes
    assert len(axes) == 2 + 4 + 1
    np.testing.assert_array_equal(axes[-1].images[0].get_array(), transposed_conv2d(x, kernel, 2))
    assert "10" in [t.get_text() for t in axes[-1].texts]  # the centre: 1·1 + 2·1 + 3·1 + 4·1, four stamps overlap
    assert [len(ax.patches) for ax in axes] == [0, 0, 1, 1, 1, 1, 0]  # each stamp framed where it lands
    given = plt.figure()
    assert plot_transposed_conv(x, kernel, 2, fig=given) is given and len(plt.get_fignums()) == 2
