"""The computational graph of sampling, before and after reparameterization (lesson 04).

Before: z is drawn from N(μ, σ²) by a sampler; the random node z sits between the encoder's
outputs and the loss, and no gradient reaches μ or logvar through it. After: the randomness is
moved into ε ~ N(0, I), a node with no parameters, and z = μ + σ⊙ε is an ordinary
differentiable node; the gradient of the loss flows through z back to μ and logvar.

Every node patch has the gid ``"random:<name>"`` or ``"deterministic:<name>"``, every gradient
arrow ``"gradient:<from>-><to>"`` and every forward arrow ``"forward:<from>-><to>"``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

__all__ = ["draw_sampling_graph"]

_RANDOM_FACE, _NODE_FACE, _GRAD = "#ffcc80", "#e3f2fd", "#c62828"
# name: (x, y, width, label); the axes span 13 x 6 units.
_NODES = {
    "mean": (1.0, 3.5, 1.4, r"$\mu$"),
    "logvar": (1.0, 1.5, 1.7, r"$\mathrm{logvar}$"),
    "eps": (4.8, 0.0, 2.6, r"$\varepsilon\sim\mathcal{N}(0,I)$"),
    "decoder": (8.4, 2.5, 2.1, r"$\log p(x\,|\,z)$"),
    "loss": (11.6, 2.5, 1.4, "loss"),
}
_Z_BEFORE = (4.8, 2.5, 2.8, r"$z\sim\mathcal{N}(\mu,\sigma^2)$")
_Z_AFTER = (4.8, 2.5, 2.8, r"$z=\mu+\sigma\odot\varepsilon$")


def _node(ax, name, x, y, width, label, random):
    gid = f"{'random' if random else 'deterministic'}:{name}"
    if random:
        patch = Ellipse((x, y), width + 0.3, 1.2, facecolor=_RANDOM_FACE, edgecolor="k", lw=1.5, gid=gid, zorder=2)
        ax.text(x, y - 0.75, "random", ha="center", va="top", fontsize=10, style="italic", zorder=3)
    else:
        patch = FancyBboxPatch((x - width / 2, y - 0.4), width, 0.8, boxstyle="round,pad=0.05", facecolor=_NODE_FACE,
                               edgecolor="k", lw=1.5, gid=gid, zorder=2)
    ax.add_patch(patch)
    ax.text(x, y, label, ha="center", va="center", fontsize=13, zorder=3)
    return patch


def _arrow(ax, patches, pos, names, kind):
    gradient = kind == "gradient"
    a, b = names
    shift = -0.18 if gradient else 0.12  # gradient arrows run just below the forward ones
    (x0, y0), (x1, y1) = pos[a], pos[b]
    ax.add_patch(FancyArrowPatch((x0, y0 + shift), (x1, y1 + shift), patchA=patches[a], patchB=patches[b],
                                 arrowstyle="-|>", mutation_scale=15, shrinkA=1, shrinkB=1,
                                 lw=2.0 if gradient else 1.4, color=_GRAD if gradient else "k",
                                 linestyle="--" if gradient else "-", gid=f"{kind}:{a}->{b}", zorder=1))


def draw_sampling_graph(reparameterized: bool, ax=None):
    """Draws the graph from (μ, logvar) to the loss, forward arrows black, gradient arrows red (lesson 04).

    Args:
        reparameterized: False for z drawn by a sampler (random node z, the gradient stops at z);
            True for z = μ + σ⊙ε (random node ε, the gradient reaches μ and logvar).
        ax: the Axes to draw into; a new figure when None.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given).
    """
    if not isinstance(reparameterized, bool):
        raise ValueError(f"reparameterized must be True or False, got {reparameterized!r}.")
    ax = plt.subplots(figsize=(9, 4.2))[1] if ax is None else ax
    ax.set_xlim(0, 12.6)
    ax.set_ylim(-1.2, 4.4)
    ax.set_aspect("equal")
    ax.axis("off")
    nodes = {**_NODES, "z": _Z_AFTER if reparameterized else _Z_BEFORE}
    if not reparameterized:
        del nodes["eps"]
    random_node = "eps" if reparameterized else "z"
    patches = {name: _node(ax, name, *spec, random=name == random_node) for name, spec in nodes.items()}
    pos = {name: spec[:2] for name, spec in nodes.items()}
    forward = [("mean", "z"), ("logvar", "z"), ("z", "decoder"), ("decoder", "loss")]
    backward = [("loss", "decoder"), ("decoder", "z")]
    if reparameterized:
        forward.append(("eps", "z"))
        backward += [("z", "mean"), ("z", "logvar")]
    for names in forward:
        _arrow(ax, patches, pos, names, "forward")
    for names in backward:
        _arrow(ax, patches, pos, names, "gradient")
    if not reparameterized:
        ax.text(4.8, 3.6, "✗ no gradient to μ, logvar", ha="center", va="center", fontsize=11, color=_GRAD,
                fontweight="bold")
    ax.set_title("after: z = μ + σ⊙ε, the noise is an input" if reparameterized else
                 "before: z is drawn by a sampler", fontsize=13)
    return ax.figure
