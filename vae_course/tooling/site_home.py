"""The website's front page for learners (``book/index.md``) and the button bar atop every notebook page.

``book/index.md`` is written for learners; the README stays the maintainers' and instructors'
document. Its placeholders are filled here: ``{{lessons}}`` with one entry per lesson present (its
title, an estimated time, its exercise, an Open-in-Colab and a download button), ``{{start_buttons}}``
with the buttons of the first lesson, ``{{repository}}`` with the repository's address. Introduced with
the website (README, "The course on the web"); no lesson uses it.
"""
from __future__ import annotations

import math
import re

import nbformat

from vae_course.tooling import colab

__all__ = ["READING_WPM", "MINUTES_PER_CODE_CELL", "MINUTES_PER_EXERCISE", "title", "minutes", "button_bar",
           "front_page"]

READING_WPM = 120  # words of a lesson's prose read per minute, formulas included
MINUTES_PER_CODE_CELL = 1  # reading a cell's code and its output
MINUTES_PER_EXERCISE = 10  # one function to write, check and perhaps fix with a hint


def title(nb, fallback: str) -> str:
    """The notebook's first ``#`` heading, else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def minutes(nb) -> int:
    """Estimated time for a notebook, rounded up to 5 minutes: reading, code cells, exercises to solve."""
    cells = [c for c in nb.cells if not colab.is_colab_cell(c)]
    words = sum(len(c.source.split()) for c in cells if c.cell_type == "markdown")
    code = sum(1 for c in cells if c.cell_type == "code" and c.source.strip())
    tasks = sum(1 for c in cells if "exercise" in c.metadata.get("tags", []))
    total = words / READING_WPM + code * MINUTES_PER_CODE_CELL + tasks * MINUTES_PER_EXERCISE
    return max(5, 5 * math.ceil(total / 5))


def button_bar(repo_url: str, rel: str, *, label: str = "the notebook") -> str:
    """MyST for the two buttons of a notebook: open it on Colab, download the committed file."""
    return (f"[Open in Colab]({colab.colab_url(repo_url, rel)})\n"
            f"{{download}}`Download {label} </_notebooks/{rel}>`")


def _entry(root, lesson, exercise, repo_url) -> str:
    nb = nbformat.read(lesson, as_version=4)
    rel = lesson.relative_to(root).as_posix()
    head = f"**[{title(nb, lesson.stem)}]({rel})** · about {minutes(nb)} min"
    lines = [head]
    if exercise is not None:
        ex = nbformat.read(exercise, as_version=4)
        ex_rel = exercise.relative_to(root).as_posix()
        lines.append(f"then [{title(ex, exercise.stem)}]({ex_rel}) · about {minutes(ex)} min")
    lines.append(f"[Open in Colab]({colab.colab_url(repo_url, rel)}) · "
                 f"{{download}}`Download </_notebooks/{rel}>`")
    return "- " + "\\\n  ".join(lines)


def front_page(template: str, root, lessons, exercises, repo_url) -> str:
    """``template`` (book/index.md) with its placeholders filled from the notebooks present.

    Args:
        lessons, exercises: ``{number: path}`` of the course's notebooks.
    """
    entries = "\n".join(_entry(root, lessons[n], exercises.get(n), repo_url) for n in sorted(lessons))
    first = lessons[min(lessons)].relative_to(root).as_posix() if lessons else ""
    start = button_bar(repo_url, first, label="the first lesson") if lessons else ""
    page = template.replace("{{lessons}}", entries).replace("{{start_buttons}}", start)
    page = page.replace("{{repository}}", repo_url)
    left = re.findall(r"\{\{\w+\}\}", page)
    if left:
        raise ValueError(f"book/index.md: unknown placeholder(s) {left}; known: lessons, start_buttons, repository")
    return page
