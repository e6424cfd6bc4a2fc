"""Tests of vae_course.model_map: every part of the model is drawn, one highlight restyles one part."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch

from vae_course.model_map import draw_model_map

NAMES = ("data", "encoder", "posterior", "reparameterization", "decoder", "likelihood", "prior", "elbo")
# What a learner must be able to read on each part: written out here, not taken from the module.
EXPECTED_LABELS = {
    "data": [r"$x$"],
    "encoder": ["encoder", "inference network"],
    "posterior": [r"\mu", "logvar", r"q(z\,|\,x)"],
    "reparameterization": [r"z=\mu+\sigma\odot\varepsilon", r"\varepsilon\sim\mathcal{N}(0,\,I)"],
    "decoder": ["decoder", "generative network"],
    "likelihood": [r"p(x\,|\,z)", "Bernoulli"],
    "prior": [r"p(z)=\mathcal{N}(0,\,I)"],
    "elbo": ["ELBO", r"\mathrm{KL}(q(z\,|\,x)\ \Vert\ p(z))", r"\mathbb{E}_{q(z|x)}[\log p(x\,|\,z)]",
             "reconstruction"],
}



def _texts(fig, gid):
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def _box_styles(fig):
    """{component: sorted list of (facecolor, edgecolor, linewidth)} of its boxes (arrows excluded)."""
    styles = {}
    for ax in fig.axes:
        for p in ax.patches:
            if p.get_gid() in NAMES and not isinstance(p, FancyArrowPatch):
                styles.setdefault(p.get_gid(), []).append((p.get_facecolor(), p.get_edgecolor(), p.get_linewidth()))
    return {k: sorted(v) for k, v in styles.items()}


def test_every_component_is_drawn_with_its_labels_and_everything_renders():
    fig = draw_model_map()
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 1
    styles = _box_styles(fig)
    assert set(styles) == set(NAMES)
    assert len(styles["reparameterization"]) == 2  # z = μ + σ⊙ε and the noise ε it draws
    for name, labels in EXPECTED_LABELS.items():
        texts = " ".join(_texts(fig, name))
        for label in labels:
            assert label in texts, f"{name}: {label!r} not among {texts!r}"
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) >= 8  # x→enc→(μ,logvar)→z→dec→p(x|z), ε→z, and into the ELBO terms
    assert "logits" in _texts(fig, "arrow")
    assert _texts(fig, "you_are_here") == []
    fig.canvas.draw()  # every mathtext label parses


@pytest.mark.parametrize("name", NAMES)
def test_highlight_restyles_exactly_that_component(name):
    plain = _box_styles(draw_model_map())
    marked_fig = draw_model_map(highlight=name)
    marked = _box_styles(marked_fig)
    for other in NAMES:
        if other == name:
            for before, after in zip(plain[other], marked[other]):
                assert before[0] != after[0] and before[1] != after[1] and after[2] > before[2]
            # every box of the component is restyled the same way (ε with z = μ + σ⊙ε)
            assert len(set(marked[other])) == 1
        else:
            assert marked[other] == plain[other], f"highlight={name!r} changed {other!r}"
    assert _texts(marked_fig, "you_are_here") == ["you are here"]
    assert _texts(marked_fig, name) == _texts(draw_model_map(), name)  # same labels, only the style differs


def test_highlight_colour_is_the_same_for_every_component():
    colours = {tuple(_box_styles(draw_model_map(highlight=n))[n][0]) for n in NAMES}
    assert len(colours) == 1
    assert colours.pop()[0] != to_rgba("white")


@pytest.mark.parametrize("bad", ["Encoder", "kl", "", 3, ("encoder",)])
def test_unknown_component_is_refused_with_the_list_of_names(bad):
    with pytest.raises(ValueError) as err:
        draw_model_map(highlight=bad)
    for name in NAMES:
        assert repr(name) in str(err.value)
    assert plt.get_fignums() == []  # refused before any figure is created


def test_draws_into_a_given_ax_and_returns_its_figure():
    fig, (left, right) = plt.subplots(1, 2)
    assert draw_model_map(highlight="decoder", ax=right) is fig
    assert len(left.patches) == 0 and len(left.texts) == 0
    assert len(right.patches) > 0 and "decoder" in _texts(fig, "decoder")
    assert plt.get_fignums() == [fig.number]  # no second figure opened


def test_new_figure_per_call_without_ax():
    first, second = draw_model_map(), draw_model_map()
    assert first is not second and len(plt.get_fignums()) == 2


@pytest.mark.parametrize("highlight", [None, *NAMES])
def test_no_text_crosses_a_box_edge_another_text_or_the_canvas(highlight):
    """Measured on the drawn figure: each label inside a box stays inside it, a label outside every box
    touches none, no two labels overlap, and everything lies on the canvas."""
    from matplotlib.patches import FancyBboxPatch

    fig = draw_model_map(highlight=highlight)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer, to_data = fig.canvas.get_renderer(), ax.transData.inverted()
    (left, right), (low, high) = ax.get_xlim(), ax.get_ylim()
    boxes = [(p.get_x(), p.get_y(), p.get_x() + p.get_width(), p.get_y() + p.get_height())
             for p in ax.patches if isinstance(p, FancyBboxPatch)]
    texts = []
    for t in ax.texts:
        extent = t.get_window_extent(renderer)
        (x0, y0), (x1, y1) = to_data.transform([[extent.x0, extent.y0], [extent.x1, extent.y1]])
        texts.append((t.get_text(), x0, y0, x1, y1))
    problems = []
    for text, x0, y0, x1, y1 in texts:
        if x0 < left or x1 > right or y0 < low or y1 > high:
            problems.append(f"{text!r} leaves the canvas")
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        holders = [b for b in boxes if b[0] <= centre[0] <= b[2] and b[1] <= centre[1] <= b[3]]
        for bx0, by0, bx1, by1 in holders:
            if x0 < bx0 or x1 > bx1 or y0 < by0 or y1 > by1:
                problems.append(f"{text!r} crosses the edge of its box")
        if not holders and any(x0 < b[2] and x1 > b[0] and y0 < b[3] and y1 > b[1] for b in boxes):
            problems.append(f"{text!r} overlaps a box it is not in")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if a[1] < b[3] and a[3] > b[1] and a[2] < b[4] and a[4] > b[2]:
                problems.append(f"{a[0]!r} overlaps {b[0]!r}")
    plt.close(fig)
    assert not problems, problems
