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

# (component, centre x, centre y, width, height, main label, small label); the axes span 15 x 6 units.
_BOXES = (
    ("data", 0.9, 4.3, 1.5, 1.3, r"$x$", "28×28 binary"),
    ("encoder", 3.05, 4.3, 2.0, 1.3, "encoder", "inference network"),
    ("posterior", 5.85, 4.3, 2.5, 1.3, r"$\mu,\ \mathrm{logvar}$", r"$q(z\,|\,x)=\mathcal{N}(\mu,\sigma^2)$"),
    ("reparameterization", 8.6, 4.3, 2.4, 1.3, r"$z=\mu+\sigma\odot\varepsilon$", "reparameterization"),
    ("reparameterization", 8.6, 2.5, 2.0, 0.9, r"$\varepsilon\sim\mathcal{N}(0,\,I)$", "noise"),
    ("decoder", 11.25, 4.3, 2.2, 1.3, "decoder", "generative network"),
    ("likelihood", 13.9, 4.3, 2.0, 1.3, r"$p(x\,|\,z)$", "Bernoulli(logits)"),
    ("prior", 11.25, 2.5, 2.4, 0.9, r"$p(z)=\mathcal{N}(0,\,I)$", "prior"),
    ("elbo", 8.0, 0.85, 13.4, 1.2, "", ""),
)
# The ELBO's parts inside its box: (x, y, text, font size).
_ELBO_TEXTS = (
    (2.2, 0.85, r"$\mathrm{ELBO}(x)\ =$", 16),
    (5.9, 1.0, r"$-\,\mathrm{KL}(q(z\,|\,x)\ \Vert\ p(z))$", 16),
    (5.9, 0.5, "keeps q(z|x) near the prior", 11),
    (8.6, 0.85, r"$+$", 16),
    (11.6, 1.0, r"$\mathbb{E}_{q(z|x)}[\log p(x\,|\,z)]$", 16),
    (11.6, 0.5, "reconstruction: log-likelihood of the data x", 11),
)
# Arrows (start, end, label, dashed): the data flow, and which quantities each ELBO term uses.
_ARROWS = (
    ((1.65, 4.3), (2.05, 4.3), "", False),
    ((4.05, 4.3), (4.6, 4.3), "", False),
    ((7.1, 4.3), (7.4, 4.3), "", False),
    ((8.6, 2.95), (8.6, 3.65), "", False),
    ((9.8, 4.3), (10.15, 4.3), r"$z$", False),
    ((12.35, 4.3), (12.9, 4.3), "logits", False),
    ((11.25, 2.95), (11.25, 3.65), "generate", True),
    ((5.85, 3.65), (5.9, 1.45), "", False),
    ((10.05, 2.3), (7.4, 1.45), "", False),
    ((13.9, 3.65), (12.7, 1.45), "", False),
)


def _check_highlight(highlight):
    if highlight is not None and highlight not in COMPONENTS:
        raise ValueError(f"highlight must be None or one of {', '.join(repr(c) for c in COMPONENTS)}; "
                         f"got {highlight!r}.")


def draw_model_map(highlight=None, ax=None) -> Figure:
    """Draws the map of the VAE and its loss, with one component highlighted (every lesson).

    Args:
        highlight: None, or the part to mark "you are here": one of "data", "encoder", "posterior",
            "reparameterization", "decoder", "likelihood", "prior", "elbo".
        ax: the Axes to draw into (its limits and frame are replaced); a new 15 x 6 inch figure when None.

    Returns:
        The Figure holding the map (``ax.figure`` when ``ax`` is given). ``show()`` is never called.

    Raises:
        ValueError: ``highlight`` is not one of the names above.
    """
    _check_highlight(highlight)
    if ax is None:
        _, ax = plt.subplots(figsize=(15, 6))
    ax.set_xlim(0, 15.0)
    ax.set_ylim(0, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")
    for name, cx, cy, w, h, main, small in _BOXES:
        style = _HIGHLIGHT if name == highlight else {"facecolor": _FACE[name], "edgecolor": _EDGE,
                                                      "linewidth": _LINEWIDTH}
        ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.15",
                                    gid=name, zorder=2, **style))
        if main:
            ax.text(cx, cy + 0.17 * h / 1.3, main, ha="center", va="center", fontsize=16, gid=name, zorder=3)
            ax.text(cx, cy - 0.3 * h / 1.3, small, ha="center", va="center", fontsize=11, gid=name, zorder=3)
    for x, y, text, size in _ELBO_TEXTS:
        ax.text(x, y, text, ha="center", va="center", fontsize=size, gid="elbo", zorder=3)
    for start, end, label, dashed in _ARROWS:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=1.6,
                                     color="#37474f", linestyle="--" if dashed else "-", gid="arrow", zorder=1))
        if label:
            vertical = start[0] == end[0]  # label right of a vertical arrow, above a horizontal one
            x = (start[0] + end[0]) / 2 + (0.1 if vertical else 0.0)
            y = (start[1] + end[1]) / 2 + (0.0 if vertical else 0.22)
            ax.text(x, y, label, ha="left" if vertical else "center", va="center", fontsize=11, gid="arrow", zorder=3)
    if highlight is not None:
        cx, cy, w, h = next(b[1:5] for b in _BOXES if b[0] == highlight)
        if highlight == "elbo":
            cx = 2.2  # left of the arrows that enter the ELBO box
        ax.text(cx, cy + h / 2 + 0.3, "you are here", ha="center", va="center", fontsize=13, fontweight="bold",
                color=_HIGHLIGHT_TEXT, gid="you_are_here", zorder=3)
    return ax.figure
