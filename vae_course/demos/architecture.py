"""The CVAE's two networks drawn as one diagram, with every tensor's shape (lesson 07).

The shapes are read from the Keras layers by :func:`vae_course.demos.networks.layer_table`, so the
diagram follows the model it is given: the encoder down the left column (x → … → mean, logvar), the
sample z = μ + σ ⊙ ε across the bottom, and the decoder up the right column (z → … → logits).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from vae_course.demos.networks import layer_table

__all__ = ["architecture_rows", "plot_architecture"]

_FACE = {"tensor": "#eeeeee", "encoder": "#d6e6f5", "decoder": "#d6e6f5", "sample": "#dcefd9"}


def _shape(shape):
    return "(" + ", ".join("B" if d is None else str(d) for d in shape) + ")"


def architecture_rows(model):
    """Two lists of (label, shape text, kind) boxes: the encoder row and the decoder row.

    Args:
        model: a :class:`vae_course.models.CVAE` (anything with ``encoder``, ``decoder``, ``latent_dim``).
    """
    d = model.latent_dim
    enc = [("x", "(B, 28, 28, 1)", "tensor")]
    enc += [(r.kind, _shape(r.output_shape), "encoder") for r in layer_table(model.encoder)]
    enc += [("mean, logvar", f"(B, {d}) each", "tensor")]
    dec = [("z = μ + σ⊙ε", f"(B, {d})", "sample")]
    dec += [(r.kind, _shape(r.output_shape), "decoder") for r in layer_table(model.decoder)]
    dec += [("logits of p(x|z)", _shape(layer_table(model.decoder)[-1].output_shape), "tensor")]
    return enc, dec


def plot_architecture(model, ax=None):
    """Draws the encoder (left column, downwards) and the decoder (right column, upwards) as boxes with each
    layer's type and output shape, joined at the bottom by the sample z.

    The figure is 6.8 inches wide, so that its text shows at 9 pt or more at a page's text width (672 px).

    Returns:
        The Figure. ``show()`` is never called.
    """
    enc, dec = architecture_rows(model)
    step, box_w, box_h, right = 1.05, 2.7, 0.8, 3.9  # row pitch, box size, the decoder column's left edge
    rows = max(len(enc), len(dec))
    bottom = 0.0  # the row of mean, logvar and of z
    top = bottom + (rows - 1) * step
    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 1.0 * (top - bottom) + 2.3))
    ax.set_xlim(-0.1, right + box_w + 0.1)
    ax.set_ylim(bottom - 1.2, top + 1.0)
    ax.axis("off")
    columns = ((enc, 0.0, [bottom + (len(enc) - 1 - k) * step for k in range(len(enc))], "encoder (inference network)"),
               (dec, right, [bottom + k * step for k in range(len(dec))], "decoder (generative network)"))
    for boxes, x, ys, title in columns:
        ax.text(x, max(ys) + box_h / 2 + 0.3, title, fontsize=11, fontweight="bold", va="center")
        for k, ((label, shape, kind), y) in enumerate(zip(boxes, ys)):
            ax.add_patch(FancyBboxPatch((x, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0,rounding_size=0.08",
                                        facecolor=_FACE[kind], edgecolor="#455a64", linewidth=1.2, gid=kind))
            ax.text(x + box_w / 2, y + 0.16, label, ha="center", va="center", fontsize=11)
            ax.text(x + box_w / 2, y - 0.19, shape, ha="center", va="center", fontsize=10, family="monospace")
            if k:  # from the previous box: down the encoder, up the decoder
                previous = ys[k - 1]
                start, end = (previous - box_h / 2, y + box_h / 2) if y < previous else (previous + box_h / 2,
                                                                                         y - box_h / 2)
                ax.add_patch(FancyArrowPatch((x + box_w / 2, start), (x + box_w / 2, end), arrowstyle="-|>",
                                             mutation_scale=10, color="#37474f"))
    ax.add_patch(FancyArrowPatch((box_w, bottom), (right, bottom), arrowstyle="-|>", mutation_scale=12,
                                 color="#37474f", linestyle="--"))
    ax.text((box_w + right) / 2, bottom - box_h / 2 - 0.35, "sample with ε ~ N(0, I): one z per image",
            ha="center", va="center", fontsize=10, style="italic")
    return ax.figure
