"""Open in Colab (vae_course.tooling.colab): the badge and set-up cells, idempotent, skipped by nbval."""
from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from vae_course.tooling import colab
from vae_course.tooling.exercises import generate_exercise

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/vae-course/vae-course"
COLAB = "https://colab.research.google.com/github/vae-course/vae-course/blob/main/"


def _essence(cells):
    return [(c.cell_type, c.source) for c in cells]


def _tiny_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 99 — Tiny"),
                nbformat.v4.new_code_cell("print(6 * 7)", execution_count=1,
                                          outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")])]
    return nb


def test_the_repository_url_has_one_home_pyproject(tmp_path):
    assert colab.repository_url(ROOT) == REPO
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[project.urls]\nRepository = "https://gitlab.com/a/b"\n')
    with pytest.raises(ValueError, match=r"\[project.urls\] Repository must be https://github.com/OWNER/NAME"):
        colab.repository_url(tmp_path)


def test_cells_go_on_top_and_a_second_run_changes_nothing():
    nb = _tiny_notebook()
    once = nbformat.writes(colab.add_colab_cells(nb, REPO, "lessons/99_tiny.ipynb"))
    twice = nbformat.writes(colab.add_colab_cells(nbformat.reads(once, as_version=4), REPO, "lessons/99_tiny.ipynb"))
    assert once == twice
    badge, setup, title, code = nbformat.reads(once, as_version=4).cells
    assert f"]({COLAB}lessons/99_tiny.ipynb)" in badge.source and "Open In Colab" in badge.source
    assert setup.cell_type == "code" and "nbval-skip" in setup.metadata.tags
    assert title.source == "# Lesson 99 — Tiny" and code.source == "print(6 * 7)"
    assert _essence(colab.strip_colab_cells(nbformat.reads(once, as_version=4)).cells) == _essence(_tiny_notebook().cells)


def test_the_setup_cell_does_nothing_off_colab_and_installs_and_fetches_on_colab(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(("run", cmd, kw)))
    import vae_course.data

    monkeypatch.setattr(vae_course.data, "load_mnist", lambda *a, **kw: calls.append(("load_mnist", a, kw)))
    code = compile(colab.setup_source(REPO), "setup-cell", "exec")
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(code, {})
    assert calls == []  # not on Colab: nothing installed, nothing downloaded
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(code, {})
    assert calls == [("run", [sys.executable, "-m", "pip", "install", "--quiet", f"vae-course @ git+{REPO}"],
                      {"check": True}), ("load_mnist", (), {})]


def test_nbval_skips_the_setup_cell(tmp_path):
    """The set-up cell, made to fail if it ran, is not run by nbval; the lesson's own cell still is."""
    nb = colab.add_colab_cells(_tiny_notebook(), REPO, "lessons/99_tiny.ipynb")
    nb.cells[1].source = "raise SystemExit('the Colab set-up cell ran under nbval')\n" + nb.cells[1].source
    path = tmp_path / "99_tiny.ipynb"
    nbformat.write(nb, path)
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                          "-v", str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "::Cell 0 SKIPPED" in run.stdout and "::Cell 1 PASSED" in run.stdout, run.stdout[-3000:]
    assert "1 passed, 1 skipped" in run.stdout


def test_apply_writes_each_course_notebook_once(tmp_path):
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{REPO}"\n')
    for rel in ("lessons/01_a.ipynb", "solutions/01_a.ipynb", "exercises/01_a.ipynb", "lessons/notes.ipynb"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        nbformat.write(_tiny_notebook(), tmp_path / rel)
    assert [p.relative_to(tmp_path).as_posix() for p in colab.apply(tmp_path)] == [
        "lessons/01_a.ipynb", "solutions/01_a.ipynb"]  # exercises/ are the generator's
    assert colab.apply(tmp_path) == []
    solution = nbformat.read(tmp_path / "solutions" / "01_a.ipynb", as_version=4)
    assert f"]({COLAB}solutions/01_a.ipynb)" in solution.cells[0].source
    assert _essence(nbformat.read(tmp_path / "exercises" / "01_a.ipynb", as_version=4).cells) == _essence(
        _tiny_notebook().cells)
    assert _essence(nbformat.read(tmp_path / "lessons" / "notes.ipynb", as_version=4).cells) == _essence(
        _tiny_notebook().cells)


def test_the_exercise_generator_keeps_the_cells_and_points_the_badge_at_the_exercise():
    solution = nbformat.read(ROOT / "solutions" / "01_binarization.ipynb", as_version=4)
    colab.strip_colab_cells(solution)
    colab.add_colab_cells(solution, REPO, "solutions/01_binarization.ipynb")
    exercise = generate_exercise(solution)
    badge, setup = exercise.cells[:2]
    assert colab.BADGE_TAG in badge.metadata.tags and {colab.SETUP_TAG, "nbval-skip"} <= set(setup.metadata.tags)
    assert setup.source == colab.setup_source(REPO)
    assert f"]({COLAB}exercises/01_binarization.ipynb)" in badge.source, (
        "generate_exercise must call colab.retarget(nb, 'exercises') so that the exercise's badge opens the exercise")


@pytest.mark.parametrize("path", colab.course_notebooks(ROOT, ("lessons", "solutions", "exercises")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_course_notebook_opens_with_its_colab_cells(path):
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT).as_posix()
    assert len(nb.cells) >= 2 and colab.BADGE_TAG in nb.cells[0].metadata.get("tags", []), (
        f"{rel} lacks the Open-in-Colab cells at its top: run `make colab` (it also regenerates the exercises)")
    assert f"]({COLAB}{rel})" in nb.cells[0].source, f"{rel}: the badge opens another notebook: run `make colab`"
    assert nb.cells[1].source == colab.setup_source(REPO), f"{rel}: the Colab set-up cell is out of date: run `make colab`"
    assert "nbval-skip" in nb.cells[1].metadata.get("tags", [])
