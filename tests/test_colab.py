"""Open in Colab (vae_course.tooling.colab): the badge and set-up cells, idempotent, skipped by nbval.

The set-up cell's real run (pip on a Colab-like runtime) is `make check-colab`; here pip is a stand-in.
"""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from vae_course.tooling import colab, colab_check
from vae_course.tooling.exercises import generate_exercise

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/vae-course/vae-course"
COLAB = "https://colab.research.google.com/github/vae-course/vae-course/blob/main/"
AVAILABLE_HERE = [p.relative_to(ROOT).as_posix() for p in colab.course_notebooks(ROOT)]


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
    links = [("lesson 100", "lessons/100_next.ipynb")]
    once = nbformat.writes(colab.add_colab_cells(nb, REPO, "lessons/99_tiny.ipynb", links))
    twice = nbformat.writes(colab.add_colab_cells(nbformat.reads(once, as_version=4), REPO, "lessons/99_tiny.ipynb",
                                                  links))
    assert once == twice
    badge, setup, title, code = nbformat.reads(once, as_version=4).cells
    assert f"]({COLAB}lessons/99_tiny.ipynb)" in badge.source and "Open In Colab" in badge.source
    assert f"[lesson 100]({COLAB}lessons/100_next.ipynb)" in badge.source
    assert setup.cell_type == "code" and "nbval-skip" in setup.metadata.tags
    assert title.source == "# Lesson 99 — Tiny" and code.source == "print(6 * 7)"
    assert _essence(colab.strip_colab_cells(nbformat.reads(once, as_version=4)).cells) == _essence(_tiny_notebook().cells)


class _Dist:
    def __init__(self, name, version):
        self.metadata, self.version = {"Name": name}, version


class _Runtime:
    """A stand-in Colab runtime: its installed packages, and a pip that changes them as told."""

    def __init__(self, monkeypatch, changes, returncode=0, numpy_name="numpy"):
        self.dists = {numpy_name: "2.0.2", "tensorflow": "2.19.0", "Not_Imported.Pkg": "1.0"}
        self.commands, self.mnist = [], []
        runtime = self

        class Popen:
            def __init__(self, cmd, **kwargs):
                runtime.commands.append((cmd, kwargs))
                runtime.dists.update(changes)
                self.stdout = iter(["Collecting vae-course\n", "Successfully installed vae-course-0.1.0\n"])

            def wait(self):
                return returncode

        monkeypatch.setattr(subprocess, "Popen", Popen)
        monkeypatch.setattr(importlib.metadata, "distributions",
                            lambda: [_Dist(n, v) for n, v in runtime.dists.items()])
        monkeypatch.setattr(importlib.metadata, "packages_distributions",  # module -> package, as pip spells it
                            lambda: {"numpy": ["numpy"], "tensorflow": ["tensorflow"], "not_imported": ["not-imported-pkg"]})
        import vae_course.data

        monkeypatch.setattr(vae_course.data, "load_mnist", lambda *a, **kw: runtime.mnist.append((a, kw)))


def _run_setup_cell(monkeypatch, on_colab=True):
    code = compile(colab.setup_source(REPO), "setup-cell", "exec")
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(code, {})


def test_the_setup_cell_does_nothing_off_colab(monkeypatch):
    runtime = _Runtime(monkeypatch, {"vae-course": "0.1.0"})
    _run_setup_cell(monkeypatch, on_colab=False)
    assert runtime.commands == [] and runtime.mnist == []  # nothing installed, nothing downloaded


def test_the_setup_cell_installs_only_the_package_shows_pip_and_fetches_mnist(monkeypatch, capsys):
    """pip adds the package and changes a package nobody imported: no restart, MNIST fetched."""
    runtime = _Runtime(monkeypatch, {"vae-course": "0.1.0", "Not_Imported.Pkg": "2.0"})
    _run_setup_cell(monkeypatch)
    [(cmd, kwargs)] = runtime.commands
    assert cmd == [sys.executable, "-m", "pip", "install", "--progress-bar", "off",  # no pins, no -U, no -q
                   f"vae-course @ git+{REPO}@main"]
    assert kwargs["stdout"] == subprocess.PIPE and kwargs["stderr"] == subprocess.STDOUT
    out = capsys.readouterr().out
    assert "Collecting vae-course\nSuccessfully installed vae-course-0.1.0\n" in out  # pip's output, shown
    assert out.rstrip().endswith(colab.READY + ".") and colab.RESTART not in out
    assert runtime.mnist == [((), {})]


@pytest.mark.parametrize("dist", ["numpy", "NumPy"])
def test_the_setup_cell_asks_for_a_restart_when_pip_changed_an_imported_package(monkeypatch, capsys, dist):
    """numpy is imported in this process (as on Colab): a new numpy on disk means a restart, before MNIST."""
    assert "numpy" in sys.modules
    runtime = _Runtime(monkeypatch, {dist: "2.4.6"}, numpy_name=dist)
    with pytest.raises(RuntimeError, match=rf"^{colab.RESTART}: pip changed numpy 2.0.2 -> 2.4.6, already imported"
                                           r".*Runtime > Restart session"):
        _run_setup_cell(monkeypatch)
    assert runtime.mnist == []
    assert colab.READY not in capsys.readouterr().out


def test_the_setup_cell_stops_when_pip_fails(monkeypatch):
    runtime = _Runtime(monkeypatch, {}, returncode=1)
    with pytest.raises(RuntimeError, match="pip could not install the course package: its output above says why"):
        _run_setup_cell(monkeypatch)
    assert runtime.mnist == []


def test_the_setup_cell_can_install_another_requirement_for_check_colab():
    source = colab.setup_source(REPO, "vae-course @ file:///tmp/checkout")
    assert 'package = "vae-course @ file:///tmp/checkout"' in source and "git+" not in source
    with pytest.raises(ValueError, match="must not hold quotes"):
        colab.setup_source(REPO, 'x"; import os; "')


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


AVAILABLE = ["lessons/01_a.ipynb", "lessons/02_b.ipynb", "lessons/03_c.ipynb", "solutions/01_a.ipynb",
             "solutions/02_b.ipynb"]


@pytest.mark.parametrize("relpath, expected", [
    ("lessons/01_a.ipynb", [("exercise 01", "exercises/01_a.ipynb"), ("lesson 02", "lessons/02_b.ipynb")]),
    ("solutions/01_a.ipynb", [("lesson 01", "lessons/01_a.ipynb"), ("lesson 02", "lessons/02_b.ipynb")]),
    ("exercises/02_b.ipynb", [("lesson 02", "lessons/02_b.ipynb"), ("lesson 03", "lessons/03_c.ipynb")]),
    ("lessons/02_b.ipynb", [("exercise 02", "exercises/02_b.ipynb"), ("lesson 03", "lessons/03_c.ipynb")]),
    ("lessons/03_c.ipynb", []),  # the last lesson, without an exercise
])
def test_next_notebooks_follow_the_course_order(relpath, expected):
    assert colab.next_notebooks(relpath, AVAILABLE) == expected


def test_the_badge_cell_says_what_to_do_on_colab_and_links_there():
    lesson = colab.badge_source(REPO, "lessons/01_a.ipynb", colab.next_notebooks("lessons/01_a.ipynb", AVAILABLE))
    assert lesson.startswith(f"[![Open In Colab]({colab.BADGE_IMAGE})]({COLAB}lessons/01_a.ipynb)")
    assert f"[exercise 01]({COLAB}exercises/01_a.ipynb) · [lesson 02]({COLAB}lessons/02_b.ipynb)" in lesson
    assert "run the set-up cell below first" in lesson and "Restart session" in lesson
    assert "Save a copy in Drive" not in lesson and "../" not in lesson
    exercise = colab.badge_source(REPO, "exercises/01_a.ipynb", colab.next_notebooks("exercises/01_a.ipynb", AVAILABLE))
    assert "Save a copy in Drive" in exercise and "the check cells are the test" in exercise
    assert "`vae-course progress`" in exercise and f"[lesson 01]({COLAB}lessons/01_a.ipynb)" in exercise
    last = colab.badge_source(REPO, "lessons/03_c.ipynb", [])
    assert COLAB + "lessons/03_c.ipynb" in last and "open the next ones" not in last


def test_retarget_moves_only_the_badge_link():
    solution = nbformat.v4.new_notebook()
    links = colab.next_notebooks("solutions/01_a.ipynb", AVAILABLE)
    colab.add_colab_cells(solution, REPO, "solutions/01_a.ipynb", links)
    colab.retarget(solution, "exercises")
    assert solution.cells[0].source == colab.badge_source(REPO, "exercises/01_a.ipynb", links)


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
    lesson = nbformat.read(tmp_path / "lessons" / "01_a.ipynb", as_version=4)
    assert f"[exercise 01]({COLAB}exercises/01_a.ipynb)" in lesson.cells[0].source
    assert _essence(nbformat.read(tmp_path / "exercises" / "01_a.ipynb", as_version=4).cells) == _essence(
        _tiny_notebook().cells)
    assert _essence(nbformat.read(tmp_path / "lessons" / "notes.ipynb", as_version=4).cells) == _essence(
        _tiny_notebook().cells)


def test_the_exercise_generator_keeps_the_cells_and_points_the_badge_at_the_exercise():
    solution = nbformat.read(ROOT / "solutions" / "01_binarization.ipynb", as_version=4)
    colab.strip_colab_cells(solution)
    links = colab.next_notebooks("solutions/01_binarization.ipynb", AVAILABLE_HERE)
    colab.add_colab_cells(solution, REPO, "solutions/01_binarization.ipynb", links)
    exercise = generate_exercise(solution)
    badge, setup = exercise.cells[:2]
    assert colab.BADGE_TAG in badge.metadata.tags and {colab.SETUP_TAG, "nbval-skip"} <= set(setup.metadata.tags)
    assert setup.source == colab.setup_source(REPO)
    assert badge.source == colab.badge_source(REPO, "exercises/01_binarization.ipynb", links), (
        "generate_exercise must call colab.retarget(nb, 'exercises') so that the exercise's badge opens the exercise")
    assert f"({COLAB}lessons/02_diagonal_gaussians.ipynb)" in badge.source


@pytest.mark.parametrize("path", colab.course_notebooks(ROOT, ("lessons", "solutions", "exercises")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_course_notebook_opens_with_its_colab_cells(path):
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT).as_posix()
    assert len(nb.cells) >= 2 and colab.BADGE_TAG in nb.cells[0].metadata.get("tags", []), (
        f"{rel} lacks the Open-in-Colab cells at its top: run `make colab` (it also regenerates the exercises)")
    expected = colab.badge_source(REPO, rel, colab.next_notebooks(rel, AVAILABLE_HERE))
    assert nb.cells[0].source == expected, f"{rel}: the badge cell is out of date: run `make colab`"
    assert nb.cells[1].source == colab.setup_source(REPO), f"{rel}: the Colab set-up cell is out of date: run `make colab`"
    assert "nbval-skip" in nb.cells[1].metadata.get("tags", [])


# make check-colab (vae_course.tooling.colab_check): its pieces, without building the runtime.

def _stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_check_colab_fills_exercise_03_with_the_solutions_code():
    exercise = nbformat.read(ROOT / "exercises" / colab_check.EXERCISE, as_version=4)
    solution = nbformat.read(ROOT / "solutions" / colab_check.EXERCISE, as_version=4)
    before = [c.source for c in exercise.cells]
    filled = colab_check.with_solution(exercise, solution)
    tagged = [i for i, c in enumerate(filled.cells) if "exercise" in c.metadata.get("tags", [])]
    assert tagged and all("NotImplementedError" in before[i] for i in tagged)
    assert [c.source for c in filled.cells] == [solution.cells[i].source if i in tagged else s
                                                for i, s in enumerate(before)]
    solution.cells.pop()
    with pytest.raises(ValueError, match="regenerate exercises/"):
        colab_check.with_solution(exercise, solution)


def test_check_colab_opens_a_notebook_as_colab_would():
    nb = colab.add_colab_cells(_tiny_notebook(), REPO, "lessons/99_tiny.ipynb")
    opened = colab_check.colab_notebook(nb, REPO, "vae-course @ file:///tmp/checkout")
    start, setup, *rest = opened.cells
    assert _essence(rest) == _essence(_tiny_notebook().cells)  # the badge cell gone, the lesson as it was
    assert setup.source == colab.setup_source(REPO, "vae-course @ file:///tmp/checkout")
    namespace = {}
    try:
        exec(start.source, namespace)
        assert "google.colab" in sys.modules and "numpy" in namespace and "matplotlib" in namespace
    finally:
        sys.modules.pop("google.colab", None)


def test_check_colab_reads_the_verdicts_from_the_outputs():
    nb = nbformat.v4.new_notebook()
    setup = colab.setup_cell(REPO)
    check = nbformat.v4.new_code_cell("check()", metadata={"tags": ["check"]})
    nb.cells = [setup, check]
    setup.outputs = [_stream("Successfully installed vae-course-0.1.0\n" + colab.READY + ".\n")]
    check.outputs = [_stream("✓ std_from_logvar: correct\n")]
    assert colab.READY in colab_check.check_setup_output(nb) and colab_check.check_passed(nb) == 1
    check.outputs = [_stream("std_from_logvar: wrong shape (4,) for input (4, 2)\n")]
    with pytest.raises(ValueError, match="1 without a ✓ line"):
        colab_check.check_passed(nb)
    setup.outputs = [_stream(colab.READY + ".\n")]
    with pytest.raises(ValueError, match="did not show pip's output"):
        colab_check.check_setup_output(nb)
    setup.outputs = [_stream("Successfully installed vae-course-0.1.0\n")]
    with pytest.raises(ValueError, match=f"did not report '{colab.READY}'"):
        colab_check.check_setup_output(nb)


def test_check_colab_lets_pip_add_packages_but_not_change_them():
    before = {"numpy": "2.0.2", "tensorflow": "2.19.0"}
    assert colab_check.unchanged(before, {**before, "vae-course": "0.1.0"}) == []
    assert colab_check.unchanged(before, {"numpy": "2.4.6", "tensorflow": "2.19.0"}) == ["numpy 2.0.2 -> 2.4.6"]
    assert colab_check.unchanged(before, {"numpy": "2.0.2"}) == ["tensorflow 2.19.0 -> None"]


def test_check_colab_installs_from_a_fresh_copy_without_local_files(tmp_path):
    root = tmp_path / "checkout"
    for rel in ("pyproject.toml", "vae_course/__init__.py", "build/lib/vae_course/stale.py", ".venv/bin/python",
                "vae_course/__pycache__/x.pyc", "vae_course.egg-info/PKG-INFO", "lessons/01_a.ipynb"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    dest = colab_check.source_copy(root, tmp_path / "work" / "source")
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert copied == ["lessons/01_a.ipynb", "pyproject.toml", "vae_course/__init__.py"]
    assert (root / "build" / "lib" / "vae_course" / "stale.py").exists()  # the checkout is left as it was
