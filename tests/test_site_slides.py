"""``make slides`` (vae_course.tooling.slides): decks made from the outlines in book/slides/, in sync with the lessons.

The outlines name the lessons' cells; these tests fail when a lesson loses a cell an outline names, when
a slide gets too wordy, and when a deck would load anything online. tests/test_site_browser.py opens
every deck in Chromium and checks that no slide overflows 1280×720.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from vae_course.tooling import colab, slide_deck, slide_outline, slides
from vae_course.tooling.site import notebooks

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/vae-course/vae-course"
IMAGE = nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})


def _lesson():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 99 — Title\n\nIntro with $a_1^2$ and [ex](../exercises/99_title.ipynb)."),
                nbformat.v4.new_code_cell("draw_model_map()", outputs=[IMAGE]),
                nbformat.v4.new_markdown_cell("## 1. First\n\nSee [the data](../vae_course/data.py) and [two](#two)."),
                nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(20))),
                nbformat.v4.new_markdown_cell("## 2. Second\n\nbody"),
                nbformat.v4.new_code_cell("plot()", outputs=[IMAGE])]
    for k, cell in enumerate(nb.cells):
        cell.id = f"c{k}"
    return colab.add_colab_cells(nb, REPO, "lessons/99_title.ipynb")


def _outline(**changes):
    slides_ = [{"title": "Lesson 99 — Title", "points": ["Intro"], "figure": "c1", "notes": ["c0"]},
               {"title": "First", "points": ["one", "two"], "code": "c3", "lines": [1, 5], "notes": ["c2"]},
               {"title": "Second", "figure": "c5", "notes": ["c4"]}]
    slides_[1].update(changes)
    return {"lesson": "lessons/99_title.ipynb", "slides": slides_}


def test_every_lesson_has_an_outline_that_matches_it():
    """The sync test: every cell an outline names exists in its lesson, and every slide is short."""
    lessons = notebooks(ROOT, "lessons")
    assert lessons
    for path in lessons:
        file = slide_outline.outline_path(ROOT, path)
        if path.name.startswith("00_") and not file.is_file():
            continue  # a new lesson 00 gets a drafted deck until its outline is written
        assert file.is_file(), f"{path.name}: no slide outline {file.relative_to(ROOT)} (draft one with --draft)"
        outline = slide_outline.load(file)
        assert outline["lesson"] == path.relative_to(ROOT).as_posix()
        assert slide_outline.check(outline, nbformat.read(path, as_version=4), file.name) == []
        assert all(s.get("notes") for s in outline["slides"]), f"{file.name}: a slide without speaker notes"


def test_the_checker_names_each_mismatch():
    nb = _lesson()
    assert slide_outline.check(_outline(), nb) == []
    cases = {"code": ("gone", "'gone' is not a code cell"), "figure": ("c3", "not both"),
             "lines": ([1, 20], "longer than 12 lines"), "notes": (["c3"], "not a markdown cell"),
             "points": (["word " * 40], "words on the slide, at most 40")}
    for key, (value, message) in cases.items():
        problems = slide_outline.check(_outline(**{key: value}), nb, "99.yml")
        assert any(message in p and "99.yml, slide 2 ('First')" in p for p in problems), (key, problems)
    problems = slide_outline.check({"slides": [{"title": "T", "figure": "c3"}]}, nb, "99.yml")
    assert problems == ["99.yml, slide 1 ('T'): figure 'c3' is not a cell of the lesson that draws an image"]
    assert slide_outline.words({"title": "A $x + y = z$ b", "points": ["c d"]}) == 5  # a formula is one word


def test_a_drafted_outline_has_a_slide_per_section_with_its_figure_and_prose():
    draft = slide_outline.draft(_lesson(), "lessons/99_title.ipynb")
    assert [s["title"] for s in draft["slides"]] == ["Lesson 99 — Title", "First", "Second"]
    assert [s.get("figure") for s in draft["slides"]] == ["c1", None, "c5"]
    assert [s["notes"] for s in draft["slides"]] == [["c0"], ["c2"], ["c4"]]
    assert slide_outline.check(draft, _lesson()) == []


def test_links_point_at_the_website_and_other_files_at_the_repository():
    def link(target):
        return slide_deck.site_link(target, "lessons/99_title.ipynb", "../site", REPO)
    assert link("../exercises/99_title.ipynb") == "../site/exercises/99_title.html"
    assert link("01_binarization.ipynb#summary") == "../site/lessons/01_binarization.html#summary"
    assert link("#two") == "../site/lessons/99_title.html#two"
    assert link("../vae_course/data.py") == f"{REPO}/blob/main/vae_course/data.py"
    assert link("https://example.org/x") == "https://example.org/x"


def test_a_deck_has_one_section_per_slide_with_notes_and_loads_nothing_online():
    nb = _lesson()
    before = nbformat.writes(nb)
    html = slide_deck.deck_html(_outline(), nb, repo_url=REPO)
    assert nbformat.writes(nb) == before
    sections = re.findall(r"<section.*?</section>", html, re.S)
    assert len(sections) == 3 and 'class="title-slide"' in sections[0]
    assert "<h1>Lesson 99 — Title</h1>" in sections[0] and "<h2>First</h2>" in sections[1]
    notes = re.search(r'<aside class="notes">(.*?)</aside>', sections[0], re.S).group(1)
    assert "$a_1^2$" in notes and 'href="../site/exercises/99_title.html"' in notes  # math left for MathJax
    assert "x4 = 4" in sections[1] and "x5 = 5" not in sections[1]  # lines [1, 5] only
    assert sections[2].count("<img") == 1 and "data:image/png;base64,iVBORw0KGgo=" in sections[2]
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'mathjax: "([^"]+)"', html)
    assert not [u for u in urls if u.startswith(("http", "//")) and "/site/" not in u and REPO not in u], urls
    assert "_vendor/node_modules/reveal.js/dist/reveal.js" in html and "RevealNotes" in html
    assert "matchFontHeight: false" in html  # formulas at the text's size, also on slides typeset while hidden
    assert "font-size: 20px" not in html and "/theme/white.css" in html  # reveal.js's own sizes


def test_a_wrong_outline_stops_the_build_naming_the_slide(tmp_path):
    nb = _lesson()
    (tmp_path / "lessons").mkdir()
    nbformat.write(nb, tmp_path / "lessons" / "99_title.ipynb")
    (tmp_path / "book" / "slides").mkdir(parents=True)
    (tmp_path / "book" / "slides" / "99_title.yml").write_text(
        "lesson: lessons/99_title.ipynb\nslides:\n- title: T\n  figure: c3\n")
    with pytest.raises(slide_outline.OutlineError, match=r"99_title.yml, slide 1 \('T'\): figure 'c3'"):
        slides.lesson_outline(tmp_path, tmp_path / "lessons" / "99_title.ipynb", nb)
    (tmp_path / "book" / "slides" / "99_title.yml").unlink()  # no outline: the draft
    assert len(slides.lesson_outline(tmp_path, tmp_path / "lessons" / "99_title.ipynb", nb)["slides"]) == 3
