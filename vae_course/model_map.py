"""The one map of the model and its loss, shown at the top of every lesson ("you are here").

x → encoder → (μ, logvar) of q(z|x) → z = μ + σ⊙ε, ε ~ N(0, I) → decoder → logits → p(x|z),
with the prior p(z) = N(0, I) and the two terms of the ELBO,
ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)).

Every artist of a component carries that component's name as its ``gid``, so a slide can
restyle one part and the tests can find it. Lesson 01 introduces the map; every lesson shows it,
in one line: ``import matplotlib.pyplot as plt; from vae_course.model_map import draw_model_map;
draw_model_map(highlight="encoder"); plt.show()`` (without ``plt.show()``, nbval's kernel displays
the figure twice when pyplot is first imported in that cell, and the stored outputs differ).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["COMPONENTS", "draw_model_map"]

COMPONENTS = ("data", "encoder", "posterior", "reparameterization", "decoder", "likelihood", "prior", "elbo")

_FACE = {"data": "#eeeeee", "encoder": "#d6e6f5", "decoder": "#d6e6f5", "posterior": "#dcefd9",
         "reparameterization": "#dcefd9", "likelihood": "#dcefd9", "prior": "#dcefd9", "elbo": "#f8e1e7"}
_EDGE, _LINEWIDTH = "#455a64", 1.5  # every box not highlighted
_HIGHLIGHT = {"facecolor": "#ffd54f", "edgecolor": "#d84315", "linewidth": 4.0}
_HIGHLIGHT_TEXT = "#bf360c"  # colour of the "you are here" label

# The map is drawn in inches (1 unit = 1 inch) on a 7.8 x 7.3 inch figure, so that at a page's text width
# (672 px) its smallest text shows at 9 pt or more. The data flow runs right along the top row (x, encoder,
# q(z|x)), down to z, left along the second row (decoder, p(x|z)); the noise and the prior sit below the
# row they feed, and the ELBO's two terms across the bottom.
# (component, centre x, centre y, width, height, main label, small label)
_BOXES = (
    ("data", 0.92, 6.05, 1.75, 1.2, r"$x$", "28×28 binary"),
    ("encoder", 3.475, 6.05, 2.15, 1.2, "encoder", "inference network"),
    ("posterior", 6.27, 6.05, 2.45, 1.2, r"$\mu,\ \mathrm{logvar}$", r"$q(z\,|\,x)=\mathcal{N}(\mu,\sigma^2)$"),
    ("reparameterization", 6.27, 3.95, 2.4, 1.2, r"$z=\mu+\sigma\odot\varepsilon$", "reparameterization"),
    ("reparameterization", 6.27, 2.2, 2.1, 0.9, r"$\varepsilon\sim\mathcal{N}(0,\,I)$", "noise"),
    ("decoder", 3.475, 3.95, 2.15, 1.2, "decoder", "generative network"),
    ("likelihood", 0.92, 3.95, 1.75, 1.2, r"$p(x\,|\,z)$", "Bernoulli(logits)"),
    ("prior", 3.475, 2.2, 2.4, 0.9, r"$p(z)=\mathcal{N}(0,\,I)$", "prior"),
    ("elbo", 3.85, 0.7, 7.6, 1.2, "", ""),
)
# The ELBO's parts inside its box: (x, y, text, font size).
_ELBO_TEXTS = (
    (0.85, 0.85, r"$\mathrm{ELBO}(x)\ =$", 13),
    (2.95, 0.92, r"$\mathbb{E}_{q(z|x)}[\log p(x\,|\,z)]$", 14),
    (2.95, 0.4, "reconstruction: log-likelihood of x", 10.5),
    (4.6, 0.85, r"$-$", 14),
    (6.15, 0.92, r"$\mathrm{KL}(q(z\,|\,x)\ \Vert\ p(z))$", 14),
    (6.15, 0.4, "keeps q(z|x) near the prior", 10.5),
)
# Arrows (start, end, label, dashed[, connection style]): the data flow, and what each ELBO term uses.
_ARROWS = (
    ((1.8, 6.05), (2.4, 6.05), "", False),
    ((4.55, 6.05), (5.05, 6.05), "", False),
    ((6.27, 5.45), (6.27, 4.55), "", False),
    ((6.27, 2.65), (6.27, 3.35), "", False),
    ((5.07, 3.95), (4.55, 3.95), r"$z$", False),
    ((2.4, 3.95), (1.8, 3.95), "logits", False),
    ((3.475, 2.65), (3.475, 3.35), "generate", True),
    ((7.5, 6.05), (7.68, 1.3), "", False, "angle,angleA=0,angleB=90,rad=0.15"),  # q(z|x) into the KL
    ((4.0, 1.75), (5.3, 1.3), "", False),  # p(z) into the KL
    ((0.92, 3.35), (1.95, 1.3), "", False),  # p(x|z) into the reconstruction term
)
# Where "you are here" goes when it cannot go just above the component's (first) box.
_HERE = {"reparameterization": (5.4, 4.95), "prior": (2.55, 3.0), "elbo": (6.3, 1.52)}


def _check_highlight(highlight):
    if highlight is not None and highlight not in COMPONENTS:
        raise ValueError(f"highlight must be None or one of {', '.join(repr(c) for c in COMPONENTS)}; "
                         f"got {highlight!r}.")


def draw_model_map(highlight=None, ax=None) -> Figure:
    """Draws the map of the VAE and its loss, with one component highlighted (every lesson).

    Args:
        highlight: None, or the part to mark "you are here": one of "data", "encoder", "posterior",
            "reparameterization", "decoder", "likelihood", "prior", "elbo".
        ax: the Axes to draw into (its limits and frame are replaced); a new 7.8 x 7.3 inch figure when None.

    Returns:
        The Figure holding the map (``ax.figure`` when ``ax`` is given). ``show()`` is never called.

    Raises:
        ValueError: ``highlight`` is not one of the names above.
    """
    _check_highlight(highlight)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.8, 7.3))
    ax.set_xlim(0, 7.8)
    ax.set_ylim(0, 7.3)
    ax.set_aspect("equal")
    ax.axis("off")
    for name, cx, cy, w, h, main, small in _BOXES:
        style = _HIGHLIGHT if name == highlight else {"facecolor": _FACE[name], "edgecolor": _EDGE,
                                                      "linewidth": _LINEWIDTH}
        ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.15",
                                    gid=name, zorder=2, **style))
        if main:
            ax.text(cx, cy + 0.17 * h / 1.3, main, ha="center", va="center", fontsize=15, gid=name, zorder=3)
            ax.text(cx, cy - 0.3 * h / 1.3, small, ha="center", va="center", fontsize=10.5, gid=name, zorder=3)
    for x, y, text, size in _ELBO_TEXTS:
        ax.text(x, y, text, ha="center", va="center", fontsize=size, gid="elbo", zorder=3)
    for start, end, label, dashed, *connection in _ARROWS:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=1.6,
                                     color="#37474f", linestyle="--" if dashed else "-", gid="arrow", zorder=1,
                                     connectionstyle=connection[0] if connection else "arc3"))
        if label:
            vertical = start[0] == end[0]  # label right of a vertical arrow, above a horizontal one
            x = (start[0] + end[0]) / 2 + (0.1 if vertical else 0.0)
            y = (start[1] + end[1]) / 2 + (0.0 if vertical else 0.22)
            ax.text(x, y, label, ha="left" if vertical else "center", va="center", fontsize=10.5, gid="arrow",
                    zorder=3)
    if highlight is not None:
        cx, cy, w, h = next(b[1:5] for b in _BOXES if b[0] == highlight)
        x, y = _HERE.get(highlight, (cx, cy + h / 2 + 0.3))
        ax.text(x, y, "you are here", ha="center", va="center", fontsize=13, fontweight="bold",
                color=_HIGHLIGHT_TEXT, gid="you_are_here", zorder=3)
    return ax.figure
