"""Slide outlines: one small YAML file per lesson, ``book/slides/NN_<topic>.yml``, the source of its deck.

An outline names what each slide shows, and takes everything else from the lesson, by cell id, so the
deck follows the lesson as it changes::

    lesson: lessons/01_binarization.ipynb
    slides:
      - title: Most pixels are background      # every slide has a heading
        points: [About 81 % of pixels are exactly 0]   # at most WORD_LIMIT words with the title
        figure: 5363d2ba       # the image drawn by this code cell of the lesson, or:
        code: 96f391b2         # a short excerpt of this code cell (lines: [first, last], from 1)
        notes: [d8229bc3]      # the lesson's prose (markdown cells) read in the speaker view

:func:`check` refuses an outline whose cells are missing from the lesson, whose figure cell draws no
image, whose excerpt is too long, or whose slide is too wordy. :func:`draft` writes a first outline
from a lesson's ``##`` sections (``python -m vae_course.tooling.slides --draft lessons/NN_x.ipynb``);
a lesson without an outline gets its draft. Introduced with the slides (README, "For instructors").
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from vae_course.tooling import colab
from vae_course.tooling.site_figures import image_cells

__all__ = ["WORD_LIMIT", "CODE_LINES", "OutlineError", "outline_path", "load", "words", "excerpt", "check",
           "draft"]

WORD_LIMIT = 40  # words on one slide: its title and points (notes aside)
CODE_LINES = 12  # lines of one code excerpt


class OutlineError(Exception):
    """An outline that does not match its lesson (the message names the outline, slide and cell)."""


def outline_path(root, lesson) -> Path:
    """``book/slides/<lesson stem>.yml`` of ``root``."""
    return Path(root) / "book" / "slides" / f"{Path(lesson).stem}.yml"


def load(path) -> dict:
    """The outline in ``path``: ``{"lesson": ..., "slides": [...]}``."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data.get("slides"), list) or not data["slides"]:
        raise OutlineError(f"{path}: expected a list `slides:` of slides, each with a title.")
    for slide in data["slides"]:  # cell ids such as 89619410 may be read as numbers
        for key in ("figure", "code"):
            if key in slide:
                slide[key] = str(slide[key])
        slide["notes"] = [str(n) for n in slide.get("notes", [])]
    return data


def words(slide) -> int:
    """Words shown on a slide: its title and points (a formula ``$...$`` counts as one word)."""
    text = " ".join([slide.get("title", ""), *slide.get("points", [])])
    return len(re.sub(r"\$[^$]+\$", "F", text).split())


def excerpt(cell, lines=None) -> str:
    """Lines ``[first, last]`` (from 1) of a code cell's source, all of them without ``lines``."""
    source = cell.source.splitlines()
    first, last = lines or (1, len(source))
    return "\n".join(source[first - 1:last])


def check(outline, nb, name="outline") -> list:
    """Problems of ``outline`` against the lesson ``nb``, each naming the slide; empty when it matches."""
    cells = {c.get("id"): c for c in nb.cells}
    images = {nb.cells[i].get("id") for i in image_cells(nb)}
    problems = []
    for k, slide in enumerate(outline["slides"], start=1):
        at = f"{name}, slide {k} ({slide.get('title', 'no title')!r})"
        if not str(slide.get("title", "")).strip():
            problems.append(f"{at}: no title")
        if words(slide) > WORD_LIMIT:
            problems.append(f"{at}: {words(slide)} words on the slide, at most {WORD_LIMIT}; move the rest to notes")
        if "figure" in slide and "code" in slide:
            problems.append(f"{at}: one figure or one code excerpt, not both")
        if "figure" in slide and slide["figure"] not in images:
            problems.append(f"{at}: figure {slide['figure']!r} is not a cell of the lesson that draws an image")
        if "code" in slide:
            cell = cells.get(slide["code"])
            if cell is None or cell.cell_type != "code":
                problems.append(f"{at}: code {slide['code']!r} is not a code cell of the lesson")
            elif not excerpt(cell, slide.get("lines")).strip():
                problems.append(f"{at}: lines {slide.get('lines')} of cell {slide['code']!r} are empty")
            elif len(excerpt(cell, slide.get("lines")).splitlines()) > CODE_LINES:
                problems.append(f"{at}: the excerpt of cell {slide['code']!r} is longer than {CODE_LINES} lines; "
                                f"pick some with `lines: [first, last]`")
        for cell_id in slide.get("notes", []):
            if cells.get(cell_id) is None or cells[cell_id].cell_type != "markdown":
                problems.append(f"{at}: notes {cell_id!r} is not a markdown cell of the lesson")
    return problems


def _first_sentence(text: str) -> str:
    body = re.sub(r"^#+ .*$", "", text, flags=re.M).strip().split("\n\n")[0].replace("\n", " ")
    sentence = re.split(r"(?<=[.!?:])\s+(?=[A-Z])", body)[0]
    kept = sentence.split()
    return " ".join(kept[:28]) + (" …" if len(kept) > 28 else "")


def draft(nb, lesson: str) -> dict:
    """A first outline of lesson ``nb``: a title slide, then one slide per ``##`` section."""
    shown = [c for c in nb.cells if not colab.is_colab_cell(c)]
    images = {nb.cells[i].get("id") for i in image_cells(nb)}
    sections = []
    for cell in shown:  # a cell holding a "## " heading starts a section (a cell is never split)
        heading = re.search(r"^#{1,2} .*$", cell.source, re.M) if cell.cell_type == "markdown" else None
        if not sections or heading:
            sections.append((heading.group(0) if heading else "", []))
        sections[-1][1].append(cell)
    slides = []
    for heading, cells in sections:
        prose = [c for c in cells if c.cell_type == "markdown"]
        if not prose:
            continue
        title = re.sub(r"^#+\s*(\d+(\.\d+)*\.?\s+)?", "", heading).strip() or "Introduction"
        body = prose[0].source.split(heading, 1)[-1]
        slide = {"title": title, "points": [_first_sentence(body)] if _first_sentence(body) else []}
        figures = [c.get("id") for c in cells if c.get("id") in images]
        if figures:
            slide["figure"] = figures[0]
        slide["notes"] = [c.get("id") for c in prose]
        slides.append(slide)
    return {"lesson": lesson, "slides": slides}
