"""``make slides`` (vae_course.tooling.slides): slides start at the lesson's sections; decks load nothing online."""
from __future__ import annotations

import re

import nbformat

from vae_course.tooling import colab, slides

REPO = "https://github.com/vae-course/vae-course"


def _lesson():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 99 — Title\n\nIntro with $a^2$."),
                nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_markdown_cell("## 1. First\n\ntext"),
                nbformat.v4.new_markdown_cell("more text\n\n## 2. Second, mid-cell\n\nbody\n### 2.1 Detail\nfine print"),
                nbformat.v4.new_code_cell("y = 2")]
    return colab.add_colab_cells(nb, REPO, "lessons/99_title.ipynb")


def test_slides_start_at_the_title_and_each_section_and_skip_the_colab_cells():
    nb = _lesson()
    before = nbformat.writes(nb)
    marked = slides.mark_slides(nb)
    assert nbformat.writes(nb) == before  # the notebook itself is not changed
    kinds = [(c.metadata.slideshow["slide_type"], c.source.split("\n")[0]) for c in marked.cells]
    assert kinds == [("skip", nb.cells[0].source), ("skip", nb.cells[1].source.split("\n")[0]),
                     ("slide", "# Lesson 99 — Title"), ("-", "x = 1"), ("slide", "## 1. First"), ("-", "more text"),
                     ("slide", "## 2. Second, mid-cell"), ("subslide", "### 2.1 Detail"), ("-", "y = 2")]


def test_a_deck_loads_its_scripts_and_styles_from_the_local_copies():
    html = slides.deck_html(slides.mark_slides(_lesson()))
    urls = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html) + re.findall(r"import \w+ from '([^']+)'", html)
    urls += re.findall(r'"([^"]+\.js)"', html)
    assert urls and not [u for u in urls if "://" in u or u.startswith("//")], urls
    assert f"{slides.MODULES}/reveal.js/dist/reveal.js" in html and f"{slides.MODULES}/mathjax/MathJax.js" in html
    assert html.count('<section') >= 4
