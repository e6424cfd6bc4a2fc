"""``vae-course figures OUT`` (vae_course.tooling.figures): valid PNG and SVG files, named by lesson; bad OUT refused."""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image
import pytest

from vae_course.cli import main
from vae_course.tooling import figures

SUBSET = ["01_pixel_histogram", "02_normal_densities", "03_sigma_parametrizations", "05_code_scores",
          "08_training_curves", "09_latent_manifold"]
LESSONS = Path(__file__).resolve().parents[1] / "lessons"
UNREGISTERED = {}  # lesson figures not drawn by a package helper: none


def test_the_registry_names_files_by_lesson_and_figure():
    names = [f"{e.lesson}_{e.name}" for e in figures.FIGURES]
    assert len(names) == len(set(names)) >= 10
    assert all(e.lesson.isdigit() and len(e.lesson) == 2 and e.name.isidentifier() for e in figures.FIGURES)
    assert names == sorted(names, key=lambda n: n[:2])  # lesson order


@pytest.mark.parametrize("notebook", sorted(LESSONS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_figure_a_lesson_shows_is_registered(notebook):
    """A lesson that gains a picture without a FIGURES line (and a package helper to draw it) fails here."""
    cells = json.loads(notebook.read_text())["cells"]
    shown = sum("image/png" in out.get("data", {}) for cell in cells for out in cell.get("outputs", []))
    lesson = notebook.name[:2]
    registered = sum(e.lesson == lesson for e in figures.FIGURES)
    assert shown > 0, f"{notebook.name} shows no figure; is it executed?"
    assert registered + UNREGISTERED.get(lesson, 0) >= shown, (
        f"{notebook.name} shows {shown} figures, the registry has {registered}: add a FigureEntry for each")


def test_a_subset_is_written_as_valid_png_and_svg(tmp_path, mnist_dir):
    out = tmp_path / "figs"
    paths = figures.write_figures(out, figures.select(SUBSET), data_dir=mnist_dir)
    assert sorted(p.name for p in paths) == sorted(f"{n}{s}" for n in SUBSET for s in (".png", ".svg"))
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)
    for name in SUBSET:
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = matplotlib.image.imread(png)  # decodes the whole file
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100 and pixels.std() > 0.01, f"{png.name} is blank"
        root = ET.parse(out / f"{name}.svg").getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert len(list(root.iter())) > 50, f"{name}.svg has almost nothing in it"


def test_figures_are_the_same_on_every_run(mnist_dir):
    entry = figures.select(["03_sigma_parametrizations"])[0]
    inputs = figures.Inputs(mnist_dir)
    assert figures.render(entry, inputs) == figures.render(entry, inputs)


def test_a_failing_figure_writes_nothing(tmp_path):
    def broken(inputs):
        raise ValueError("broken figure")

    entries = [figures.select(["03_sigma_parametrizations"])[0], figures.FigureEntry("99", "broken", broken)]
    with pytest.raises(ValueError, match="broken figure"):
        figures.write_figures(tmp_path / "figs", entries)
    assert not (tmp_path / "figs").exists()


def test_a_draw_that_returns_axes_is_refused_naming_the_figure():
    import matplotlib.pyplot as plt

    entry = figures.FigureEntry("99", "axes_only", lambda inputs: plt.subplots()[1])
    with pytest.raises(TypeError, match="99_axes_only: draw returned Axes"):
        figures.render(entry, figures.Inputs())
    assert plt.get_fignums() == []


def test_unknown_figure_name_is_refused():
    with pytest.raises(ValueError, match="no figure matches"):
        figures.select(["77_nothing"])


def test_unwritable_out_gives_exit_code_2_and_writes_nothing(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "figs"):
        with pytest.raises(SystemExit) as exit_info:
            main(["figures", str(out), "--only", "03_*"])
        assert exit_info.value.code == 2
        assert "OUT:" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["a-file"] and blocker.read_text() == "x"


# Text size on the site (issue 22): a figure's smallest text, in points as a reader sees it on a lesson page.
# The notebooks draw at 100 dpi and crop to the drawing (bbox_inches="tight"); the page shows an image at
# its natural size or, if wider, scaled down to the text column, 672 px in a 1280 px window (measured in
# Chromium on the built site). A CSS px is 0.75 pt, so text of f pt shows as f * 100/96 * min(1, 672/width).
COLUMN_PX, INLINE_DPI, MIN_PT = 672, 100, 9.0


def shown_text_points(fig) -> tuple:
    """(smallest text in pt as shown at the page's column width, that text)."""
    from matplotlib.text import Text

    fig.set_dpi(INLINE_DPI)
    fig.canvas.draw()
    # the width of the PNG that savefig(bbox_inches="tight") writes: the drawing's box plus 0.1 in a side
    width = (fig.get_tightbbox(fig.canvas.get_renderer()).width + 0.2) * INLINE_DPI
    size, text = min((t.get_fontsize(), t.get_text()) for t in fig.findobj(Text)
                     if t.get_visible() and t.get_text().strip())
    return size * INLINE_DPI / 96 * min(1.0, COLUMN_PX / width), text


def test_the_smallest_text_of_every_lesson_figure_is_at_least_9_pt_on_the_page(mnist_dir):
    import matplotlib.pyplot as plt

    inputs, small, seen = figures.Inputs(mnist_dir), [], set()
    for entry in figures.FIGURES:
        if entry.name in seen:  # the model map, once
            continue
        seen.add(entry.name)
        fig = entry.draw(inputs)
        points, text = shown_text_points(fig)
        plt.close(fig)
        if points < MIN_PT:
            small.append(f"{entry.lesson}_{entry.name}: {text!r} shows at {points:.1f} pt (at least {MIN_PT} pt)")
    assert not small, "\n".join(small)
    assert len(seen) >= 30
