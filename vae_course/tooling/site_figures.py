"""Lesson figures on the website: alt text, a numbered caption, and the model map's code hidden.

A code cell that draws a figure carries, in its metadata, ``"figure": {"alt": "...", "caption": "..."}``:
the alt text says what the figure shows (a screen reader reads it aloud), the caption is printed under
it. :func:`prepare` turns this into myst-nb's own cell metadata (``mystnb.image.alt`` and
``mystnb.figure.caption``) on the staged copy, numbering the figures of each notebook from 1. A cell
without it gets a generated alt text and caption naming the lesson and section, never a file path.
The cell that draws the model map (``draw_model_map(...)``, the same in every lesson) shows only its
picture. Introduced with the website (README, "The course on the web"); no lesson uses it.
"""
from __future__ import annotations

import copy
import re

__all__ = ["FIGURE_KEY", "HIDDEN_TAGS", "image_cells", "section_titles", "spoken", "figure_text", "is_model_map",
           "prepare"]

FIGURE_KEY = "figure"  # the lessons' cell metadata: {"alt": ..., "caption": ...}
HIDDEN_TAGS = ("remove-input", "hide-input")  # myst-nb tags that keep a cell's code off the page
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")


def image_cells(nb) -> list:
    """Indices of the code cells that have an image among their outputs, in order."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        t in out.get("data", {}) for out in c.get("outputs", []) for t in IMAGE_TYPES)]


def _plain(heading: str) -> str:
    """A heading without its ``#``, number and emphasis; its formulas kept as ``$...$`` (MyST renders them)."""
    text = re.sub(r"^#+\s*", "", heading.strip())
    text = re.sub(r"\*\*|(?<![\w\\])[*_](?=\w)|(?<=\w)[*_](?!\w)", "", text)
    return re.sub(r"^\d+(\.\d+)*\.?\s+", "", text).strip()


def spoken(text: str) -> str:
    """``text`` for an alt attribute: no markup, formulas as words (``$\\sigma \\odot$`` -> ``sigma odot``)."""
    text = re.sub(r"\\([A-Za-z]+)", r" \1 ", text.replace("`", ""))
    text = re.sub(r"[$\\{}^_]", " ", text)
    return re.sub(r"\s+", " ", text).replace(" ,", ",").replace(" ”", "”").strip()


def section_titles(nb, index) -> tuple:
    """(the notebook's title, the title of the section holding cell ``index``), without markup."""
    title, section = "", ""
    for cell in nb.cells[:index]:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# ") and not title:
                title = _plain(line)
            elif re.match(r"#{2,3} ", line):
                section = _plain(line)
    return title, section


def is_model_map(cell) -> bool:
    """The lessons' first code cell: the model map with this lesson's part highlighted."""
    return cell.cell_type == "code" and "draw_model_map(" in cell.source


def figure_text(nb, index) -> tuple:
    """(alt text, caption) of the figure drawn by cell ``index``: its metadata, else generated ones."""
    given = nb.cells[index].metadata.get(FIGURE_KEY) or {}
    title, section = section_titles(nb, index)
    if is_model_map(nb.cells[index]):
        fallback_alt = f"The course's model map, with the part that {title or 'this page'} is about highlighted."
        fallback_caption = "Where this lesson sits in the model."
    else:
        where = f"section “{section}”" if section else "the introduction"
        fallback_alt = f"The figure drawn by the code above, in {where} of {title or 'this page'}."
        fallback_caption = section or title or "Figure"
    alt = str(given.get("alt") or spoken(fallback_alt)).strip()
    return alt, str(given.get("caption") or fallback_caption).strip()


def prepare(nb):
    """A copy of ``nb`` whose figures carry myst-nb alt text and numbered captions; the model map's code hidden."""
    nb = copy.deepcopy(nb)
    for number, index in enumerate(image_cells(nb), start=1):
        alt, caption = figure_text(nb, index)
        options = nb.cells[index].metadata.setdefault("mystnb", {})
        options["image"] = {**options.get("image", {}), "alt": alt}
        options["figure"] = {**options.get("figure", {}), "caption": f"**Figure {number}.** {caption}"}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if is_model_map(cell) and not set(tags) & set(HIDDEN_TAGS):
            cell.metadata["tags"] = [*tags, "remove-input"]
    return nb
