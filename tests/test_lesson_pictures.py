"""Tests of the sampling-graph picture (lesson 04) and the ELBO-gap bars (lesson 06)."""
import math

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

from vae_course.demos.elbo_gap import elbo_decomposition, plot_elbo_gap
from vae_course.demos.reparameterization_graph import draw_sampling_graph



def _graph(ax):
    """(random nodes, deterministic nodes, forward edges, gradient edges) read from the gids."""
    nodes = {"random": set(), "deterministic": set()}
    edges = {"forward": set(), "gradient": set()}
    for p in ax.patches:
        kind, _, name = (p.get_gid() or "").partition(":")
        if isinstance(p, FancyArrowPatch):
            edges[kind].add(tuple(name.split("->")))
        elif kind in nodes:
            nodes[kind].add(name)
    return nodes["random"], nodes["deterministic"], edges["forward"], edges["gradient"]


def _reached(gradient_edges, start="loss"):
    """Nodes the gradient reaches from the loss, following the drawn gradient arrows."""
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for a, b in gradient_edges:
            if a == node and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def test_before_reparameterization_z_is_random_and_the_gradient_stops_there():
    fig = draw_sampling_graph(False)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    random, deterministic, forward, gradient = _graph(ax)
    assert random == {"z"} and {"mean", "logvar", "decoder", "loss"} <= deterministic and "eps" not in deterministic
    assert {("mean", "z"), ("logvar", "z"), ("z", "decoder"), ("decoder", "loss")} == forward
    assert _reached(gradient) == {"decoder", "z"}  # μ and logvar get nothing
    assert any("no gradient" in t.get_text() for t in ax.texts)


def test_after_reparameterization_eps_is_random_and_the_gradient_reaches_mean_and_logvar():
    fig = draw_sampling_graph(True)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    random, deterministic, forward, gradient = _graph(ax)
    assert random == {"eps"} and "z" in deterministic
    assert ("eps", "z") in forward and ("mean", "z") in forward and ("logvar", "z") in forward
    assert _reached(gradient) == {"decoder", "z", "mean", "logvar"}  # not eps: it has no parameters
    assert all((b, a) in forward for a, b in gradient)  # every gradient arrow reverses a forward one
    assert not any("no gradient" in t.get_text() for t in ax.texts)
    assert any(r"\odot\varepsilon" in t.get_text() for t in ax.texts)
    ax.figure.canvas.draw()  # the mathtext labels parse


def test_sampling_graph_into_given_ax_and_bad_flag():
    fig, (a, b) = plt.subplots(1, 2)
    assert draw_sampling_graph(False, ax=a) is fig and draw_sampling_graph(True, ax=b) is fig
    assert len(plt.get_fignums()) == 1
    with pytest.raises(ValueError, match="True or False"):
        draw_sampling_graph("yes")


def test_elbo_decomposition_adds_up_and_refuses_bad_numbers():
    parts = elbo_decomposition(-144.7, -149.6)
    assert math.isclose(parts["neg_log_px"], 144.7) and math.isclose(parts["gap"], 4.9, abs_tol=1e-9)
    assert math.isclose(parts["neg_log_px"] + parts["gap"], parts["neg_elbo"]) and parts["neg_elbo"] == 149.6
    assert elbo_decomposition(np.float32(-3.0), -3.0)["gap"] == 0.0
    with pytest.raises(ValueError, match="argument order"):
        elbo_decomposition(-149.6, -144.7)
    for bad in [(float("nan"), -1.0), (-1.0, float("-inf")), ("a lot", -1.0), (None, -1.0)]:
        with pytest.raises(ValueError):
            elbo_decomposition(*bad)


def test_plot_elbo_gap_stacks_the_gap_on_minus_log_px():
    fig = plot_elbo_gap({"D = 2": (-144.7, -149.6), "D = 32": (-68.4, -74.7)}, log_px_label="bottom",
                        gap_label="top")
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    bottoms, tops = ax.containers
    assert [p.get_height() for p in bottoms] == pytest.approx([144.7, 68.4])
    assert [p.get_y() for p in tops] == pytest.approx([144.7, 68.4])
    assert [p.get_height() for p in tops] == pytest.approx([4.9, 6.3])
    texts = [t.get_text() for t in ax.texts]
    assert "−ELBO = 149.6" in texts and "gap 6.3" in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["bottom", "top"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["D = 2", "D = 32"]
    fig, given = plt.subplots()
    assert plot_elbo_gap({"m": (-1.0, -2.0)}, ax=given) is fig
    with pytest.raises(ValueError, match="empty"):
        plot_elbo_gap({})
    with pytest.raises(ValueError, match="lower bound"):
        plot_elbo_gap({"m": (-2.0, -1.0)})
