"""The CVAE's two networks drawn as one diagram, with every tensor's shape (lesson 07).

The shapes are read from the Keras layers by :func:`vae_course.demos.networks.layer_table`, so the
diagram follows the model it is given: encoder on the top row (x → … → mean, logvar), the sample
z = μ + σ ⊙ ε in between, and the decoder on the bottom row (z → … → logits).
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
    """Draws the encoder and decoder as rows of boxes (layer type and output shape), joined by z.

    Returns:
        The Figure. ``show()`` is never called.
    """
    rows = architecture_rows(model)
    width = max(len(r) for r in rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.75 * width, 3.6))
    ax.set_xlim(-0.1, width * 1.6)
    ax.set_ylim(0, 4)
    ax.axis("off")
    for row, y, title in ((rows[0], 3.0, "encoder (inference network)"), (rows[1], 1.0, "decoder (generative network)")):
        ax.text(0.0, y + 0.75, title, fontsize=10, fontweight="bold", va="center")
        for k, (label, shape, kind) in enumerate(row):
            x = k * 1.6
            ax.add_patch(FancyBboxPatch((x, y - 0.45), 1.3, 0.9, boxstyle="round,pad=0,rounding_size=0.08",
                                        facecolor=_FACE[kind], edgecolor="#455a64", linewidth=1.2, gid=kind))
            ax.text(x + 0.65, y + 0.15, label, ha="center", va="center", fontsize=8.5)
            ax.text(x + 0.65, y - 0.2, shape, ha="center", va="center", fontsize=8, family="monospace")
            if k:
                ax.add_patch(FancyArrowPatch((x - 0.3, y), (x, y), arrowstyle="-|>", mutation_scale=10,
                                             color="#37474f"))
    last = (len(rows[0]) - 1) * 1.6 + 0.65
    ax.add_patch(FancyArrowPatch((last, 2.55), (0.65, 1.45), arrowstyle="-|>", mutation_scale=12,
                                 color="#37474f", linestyle="--", connectionstyle="arc3,rad=0.05"))
    ax.text((last + 0.65) / 2, 2.1, "sample with ε ~ N(0, I): one z per image", ha="center", fontsize=8,
            style="italic")
    return ax.figure
