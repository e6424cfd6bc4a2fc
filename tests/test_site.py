"""The website's sources (vae_course.tooling.site): order, refusal of notebooks without outputs, staging.

These run without Sphinx or a browser; tests/test_site_browser.py builds and checks the real site.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from vae_course.tooling import colab, site

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
    for name in ("10_appendix.ipynb", "02_second.ipynb", "01_first.ipynb", "09_latent.ipynb"):
        _notebook(tmp_path / "lessons" / name)
    _notebook(tmp_path / "lessons" / "scratch.ipynb")  # not NN_<topic>: not part of the course
    _notebook(tmp_path / "exercises" / "01_first.ipynb", executed=False)
    return tmp_path


def test_table_of_contents_follows_the_lesson_numbers_of_the_files_present(tree):
    toc = site.table_of_contents(tree)
    assert toc["root"] == "index"
    assert toc["parts"] == [
        {"caption": "Lessons", "chapters": [{"file": f"lessons/{n}"} for n in
                                            ("01_first", "02_second", "09_latent", "10_appendix")]},
        {"caption": "Exercises", "chapters": [{"file": "exercises/01_first"}]},
    ]


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
    (tree / "README.md").write_text("# Course\n\n[one](lessons/01_first.ipynb) [gone](nowhere.md)\n")
    committed = path.read_bytes()

    stage = site.stage(tree, tree / "build" / "site-src")

    assert path.read_bytes() == committed
    assert (stage / "_notebooks" / "lessons" / "01_first.ipynb").read_bytes() == committed
    staged = nbformat.read(stage / "lessons" / "01_first.ipynb", as_version=4)
    assert not any(colab.is_colab_cell(c) for c in staged.cells)
    header = staged.cells[0].source
    assert f"[Open in Colab](https://colab.research.google.com/github/vae-course/vae-course/blob/main/" \
           f"lessons/01_first.ipynb)" in header and "</_notebooks/lessons/01_first.ipynb>" in header
    assert "![digits](../figures/digits.png)" in staged.cells[1].source
    assert (stage / "figures" / "digits.png").read_bytes() == b"\x89PNG fake"
    assert f"[the code]({REPO}/blob/main/vae_course/data.py)" in staged.cells[1].source
    index = (stage / "index.md").read_text()
    assert "[one](lessons/01_first.ipynb)" in index and "[gone](nowhere.md)" in index  # a dead link stays dead
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
