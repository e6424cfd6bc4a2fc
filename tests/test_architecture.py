"""Tests of vae_course.demos.architecture (lesson 07): the shapes a CVAE really produces, on a diagram."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import tensorflow as tf  # noqa: E402

from vae_course.demos.architecture import architecture_rows, plot_architecture  # noqa: E402
from vae_course.models import CVAE  # noqa: E402


def test_the_rows_carry_the_shapes_the_networks_produce():
    model = CVAE(latent_dim=3)
    enc, dec = architecture_rows(model)
    h = tf.zeros((5, 28, 28, 1))
    for layer, (_, shape, _) in zip(model.encoder.layers, enc[1:]):
        h = layer(h)
        assert shape == "(B, " + ", ".join(map(str, h.shape[1:])) + ")"
    assert enc[-1][1] == "(B, 3) each" and dec[0][1] == "(B, 3)"
    h = tf.zeros((5, 3))
    for layer, (_, shape, _) in zip(model.decoder.layers, dec[1:]):
        h = layer(h)
        assert shape == "(B, " + ", ".join(map(str, h.shape[1:])) + ")"
    assert dec[-1][1] == "(B, 28, 28, 1)"


def test_the_diagram_has_one_box_per_tensor():
    model = CVAE(latent_dim=2)
    fig = plot_architecture(model)
    enc, dec = architecture_rows(model)
    boxes = [p for p in fig.axes[0].patches if p.get_gid() in ("tensor", "encoder", "decoder", "sample")]
    assert len(boxes) == len(enc) + len(dec)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "(B, 13, 13, 32)" in texts and "(B, 7, 7, 32)" in texts
    plt.close("all")
