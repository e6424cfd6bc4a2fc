"""The website's sources (vae_course.tooling.site): order, refusal of notebooks without outputs, staging,
figures' alt text and captions, the front page, and output folders deleted only when the tool made them.

These run without Sphinx or a browser; tests/test_site_browser.py builds and checks the real site.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from vae_course.tooling import colab, site, site_figures, site_home, site_html
from vae_course.tooling.site_folders import MARKER, FolderError, fresh_folder

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/vae-course/vae-course"


def _notebook(path: Path, *, executed=True, extra_cells=()):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x = 1\nx", execution_count=1 if executed else None,
                                     outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"},
                                                                     execution_count=1)] if executed else [])
    nb.cells = [*extra_cells, nbformat.v4.new_markdown_cell(f"# {path.stem}\n\n$$a^2$$"), code]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return nb


@pytest.fixture
def tree(tmp_path):
    """A small course: README, pyproject with the repository URL, book config, lessons out of order."""
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{REPO}"\n')
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "_config.yml").write_text((ROOT / "book" / "_config.yml").read_text())
    (tmp_path / "book" / "index.md").write_text((ROOT / "book" / "index.md").read_text())
    for name in ("10_appendix.ipynb", "02_second.ipynb", "01_first.ipynb", "09_latent.ipynb", "00_intro.ipynb"):
        _notebook(tmp_path / "lessons" / name)
    _notebook(tmp_path / "lessons" / "scratch.ipynb")  # not NN_<topic>: not part of the course
    for name in ("02_second.ipynb", "01_first.ipynb"):
        _notebook(tmp_path / "exercises" / name, executed=False)
    return tmp_path


def test_table_of_contents_puts_each_exercise_after_its_lesson(tree):
    toc = site.table_of_contents(tree)
    assert toc["root"] == "index"
    order = ["lessons/00_intro", "lessons/01_first", "exercises/01_first", "lessons/02_second",
             "exercises/02_second", "lessons/09_latent", "lessons/10_appendix"]  # lesson 00 has no exercise
    assert toc["parts"] == [{"caption": "The course", "chapters": [{"file": f} for f in order]}]


def test_a_lesson_without_outputs_is_refused_naming_the_notebook(tree):
    site.check_outputs(tree)  # exercises have no outputs by design: accepted
    _notebook(tree / "lessons" / "09_latent.ipynb", executed=False)
    with pytest.raises(site.SiteError, match=r"lessons/09_latent\.ipynb \(code cells 1\)"):
        site.check_outputs(tree)


def test_the_colab_setup_cell_needs_no_outputs(tree):
    nb = _notebook(tree / "lessons" / "02_second.ipynb")
    colab.add_colab_cells(nb, REPO, "lessons/02_second.ipynb")
    nbformat.write(nb, tree / "lessons" / "02_second.ipynb")
    site.check_outputs(tree)


def test_make_site_stops_with_the_notebook_name_and_builds_nothing(tree):
    _notebook(tree / "lessons" / "02_second.ipynb", executed=False)
    out = tree / "build" / "site"
    run = subprocess.run([sys.executable, "-m", "vae_course.tooling.site", "--root", str(tree), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1
    assert "lessons/02_second.ipynb (code cells 1)" in run.stderr and "vae_course.tooling.notebooks" in run.stderr, run.stderr
    assert not out.exists() and not (tree / "build").exists()


def test_staging_copies_and_never_changes_the_committed_files(tree):
    path = tree / "lessons" / "01_first.ipynb"
    nb = nbformat.read(path, as_version=4)
    colab.add_colab_cells(nb, REPO, "lessons/01_first.ipynb")
    nb.cells[2].source += "\n\n![digits](../figures/digits.png) and [the code](../vae_course/data.py)"
    nbformat.write(nb, path)
    (tree / "figures").mkdir()
    (tree / "figures" / "digits.png").write_bytes(b"\x89PNG fake")
    (tree / "vae_course").mkdir()
    (tree / "vae_course" / "data.py").write_text("")
    (tree / "book" / "index.md").write_text("# Course\n\n{{start_buttons}}\n\n{{lessons}}\n\n"
                                            "[gone](nowhere.md) [repo]({{repository}})\n")
    committed = path.read_bytes()

    stage = site.stage(tree, tree / "build" / "site-src")

    assert path.read_bytes() == committed
    assert (stage / "_notebooks" / "lessons" / "01_first.ipynb").read_bytes() == committed
    staged = nbformat.read(stage / "lessons" / "01_first.ipynb", as_version=4)
    assert not any(colab.is_colab_cell(c) for c in staged.cells)
    header = staged.cells[0].source
    assert header.startswith(":::{div} course-buttons\n") and header.endswith("\n:::")
    assert f"[Open in Colab](https://colab.research.google.com/github/vae-course/vae-course/blob/main/" \
           f"lessons/01_first.ipynb)" in header and "</_notebooks/lessons/01_first.ipynb>" in header
    assert "![digits](../figures/digits.png)" in staged.cells[1].source
    assert (stage / "figures" / "digits.png").read_bytes() == b"\x89PNG fake"
    assert f"[the code]({REPO}/blob/main/vae_course/data.py)" in staged.cells[1].source
    index = (stage / "index.md").read_text()
    assert "[gone](nowhere.md)" in index and f"[repo]({REPO})" in index  # a dead link stays dead
    assert "{{" not in index and "README" not in index
    entries = [line for line in index.splitlines() if line.startswith("- **[")]
    assert [e.split("](")[1].split(")")[0] for e in entries] == [
        f"lessons/{n}.ipynb" for n in ("00_intro", "01_first", "02_second", "09_latent", "10_appendix")]
    assert "then [Exercise" not in index.split("lessons/00_intro")[1].split("\n- ")[0]
    assert "[01_first](exercises/01_first.ipynb)" in index  # the exercise after its lesson, by title
    config = yaml.safe_load((stage / "_config.yml").read_text())
    assert config["repository"]["url"] == REPO and config["execute"]["execute_notebooks"] == "off"
    assert "mathjax_path" in config["sphinx"]["config"] and "cdn" not in config["sphinx"]["config"]["mathjax_path"]
    assert yaml.safe_load((stage / "_toc.yml").read_text()) == site.table_of_contents(tree)


def test_inline_formulas_are_joined_onto_one_line_as_jupyter_reads_them():
    text = ("* $\\log p = -\\tfrac12\\big[\\log 2\\pi\n  + \\text{logvar}\\big]$; `code $x` and `$y$`\n"
            "$$\na\n+ b\n$$\nand $(m + s)W + b =\n- (mW + b)$ done.")
    assert site.join_inline_math_lines(text) == (
        "* $\\log p = -\\tfrac12\\big[\\log 2\\pi + \\text{logvar}\\big]$; `code $x` and `$y$`\n"
        "$$\na\n+ b\n$$\nand $(m + s)W + b = - (mW + b)$ done.")
    assert site.join_inline_math_lines("a $x\n\ny$ b") == "a $x\n\ny$ b"  # never across paragraphs


def test_output_folders_not_made_by_the_tool_are_refused_and_left_alone(tree):
    notes = tree / "notes"
    notes.mkdir()
    (notes / "answer.txt").write_text("mine")
    for out in (notes, tree, tree / "lessons", tree / "pyproject.toml"):
        with pytest.raises(FolderError):
            fresh_folder(out, protect=[tree])
    assert (notes / "answer.txt").read_text() == "mine" and (tree / "lessons" / "01_first.ipynb").is_file()
    with pytest.raises(FolderError, match="holds"):  # the repository inside the output: never, even marked
        (tree / MARKER).write_text("")
        fresh_folder(tree.parent, protect=[tree])
    made = fresh_folder(tree / "build" / "site")
    (made / "page.html").write_text("old")
    assert fresh_folder(made) == made and not (made / "page.html").exists() and (made / MARKER).is_file()


@pytest.mark.parametrize("out", [".", "lessons", "notes/site"])
def test_make_site_refuses_an_out_it_did_not_make_and_deletes_nothing(tree, out, monkeypatch, capsys):
    (tree / "notes" / "site-src").mkdir(parents=True)  # the sibling -src of notes/site: someone's folder
    (tree / "notes" / "site-src" / "draft.md").write_text("mine")
    before = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*"))
    monkeypatch.chdir(tree)  # `make site`'s command, run in the repository
    assert site.main(["--root", str(tree), "--out", out]) == 1
    err = capsys.readouterr().err
    assert "left alone" in err or "must not replace" in err, err
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*")) == before


def test_figures_get_their_alt_text_and_a_numbered_caption_never_a_path():
    nb = nbformat.v4.new_notebook()
    image = nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 07 — The networks"),
                nbformat.v4.new_code_cell("draw_model_map(highlight='decoder'); plt.show()", outputs=[image]),
                nbformat.v4.new_markdown_cell("## 2. The decoder"),
                nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", text="1")]),
                nbformat.v4.new_code_cell("plot(x)", outputs=[image],
                                          metadata={"figure": {"alt": "Three digits, decoded", "caption": "Decoded."}}),
                nbformat.v4.new_code_cell("plot(y)", outputs=[image]),
                nbformat.v4.new_markdown_cell("## 3. The trick: $z = \\mu + \\sigma\\odot\\varepsilon$"),
                nbformat.v4.new_code_cell("plot(z)", outputs=[image])]
    before = nbformat.writes(nb)
    staged = site_figures.prepare(nb)
    assert nbformat.writes(nb) == before
    assert site_figures.image_cells(nb) == [1, 4, 5, 7]
    options = [staged.cells[i].metadata["mystnb"] for i in (1, 4, 5, 7)]
    assert options[1] == {"image": {"alt": "Three digits, decoded"}, "figure": {"caption": "**Figure 2.** Decoded."}}
    assert [o["figure"]["caption"].split("**")[1] for o in options] == ["Figure 1.", "Figure 2.", "Figure 3.",
                                                                       "Figure 4."]
    assert options[3]["figure"]["caption"].endswith("The trick: $z = \\mu + \\sigma\\odot\\varepsilon$")  # MyST math
    assert "“The trick: z = mu + sigma odot varepsilon”" in options[3]["image"]["alt"]  # read aloud, no TeX
    assert "model map" in options[0]["image"]["alt"] and "Lesson 07" in options[0]["image"]["alt"]
    assert "The decoder" in options[2]["image"]["alt"] and "The decoder" in options[2]["figure"]["caption"]
    for o in options:
        assert not set("/\\$") & set(o["image"]["alt"]) and ".png" not in o["image"]["alt"]
    assert "remove-input" in staged.cells[1].metadata["tags"] and "tags" not in staged.cells[4].metadata
    nb.cells[1].metadata["tags"] = ["hide-input"]  # the lesson's own choice is kept
    assert site_figures.prepare(nb).cells[1].metadata["tags"] == ["hide-input"]


def test_time_estimates_count_reading_code_and_exercises():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("word " * 1200)] + [nbformat.v4.new_code_cell("x") for _ in range(5)]
    assert site_home.minutes(nb) == 15  # 1200 / 120 + 5 = 15
    nb.cells.append(nbformat.v4.new_code_cell("def f(): ...", metadata={"tags": ["exercise"]}))
    assert site_home.minutes(nb) == 30  # 16 + 10, rounded up to 5
    with pytest.raises(ValueError, match="unknown placeholder"):
        site_home.front_page("{{lesson}}", ROOT, {}, {}, REPO)


def test_tidy_page_keeps_one_viewport_and_fixes_the_axe_findings():
    html = ('<meta name="viewport" content="a" /><meta name="viewport" content="b" />\n<meta name="viewport" c/>'
            '<button class="btn search-button-field" title="Search" aria-label="Search">Search</button>'
            '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'
            '<th class="head"><p></p></th><th class="head"><p><span class="math notranslate nohighlight">'
            '\\(\\sigma(r)\\)</span></p></th><i class="theme-switch fa-sun" data-mode="light" title="Light"></i>')
    tidy = site_html.tidy_page(html)
    assert tidy.count('name="viewport"') == 1 and 'content="a"' in tidy
    assert 'aria-label="Search"' not in tidy and '<td class="head"></td>' in tidy
    assert 'role="navigation"' in tidy and '<span class="visually-hidden">sigma(r)</span>' in tidy
    assert '<i aria-hidden="true" class="theme-switch fa-sun" data-mode="light"></i>' in tidy
    assert site_html.tidy_page(tidy) == tidy
