"""The shipped exercises fail exactly at their checks, a solution's answers pasted in pass them, and the
progress report counts what passes (nbgrader's "validate --invert", the round trip, ``make progress``).

Notebooks run in kernels of this Python; each shipped exercise runs once per session (shared fixture).
"""
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest

from vae_course.tooling.progress import check_results, execute_all, exercise_paths, progress_main, report_lines
from vae_course.tooling.exercises import BEGIN, END

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
NAMES = [p.stem for p in exercise_paths(EXERCISES)]
STUB = re.compile(r'^\s*raise NotImplementedError\("Exercise \d\d\.\d+ \w+: replace this line with your code"\)$')


def tags(cell):
    return cell.metadata.get("tags", [])


def answer_blocks(source):
    """The code between each pair of marker lines of a solution cell."""
    blocks, current = [], None
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            current = []
        elif line.strip() == END:
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def paste_answers(exercise_nb, solution_nb):
    """What a learner does: replace each stub line by the solution's answer (outputs left as they were)."""
    nb = copy.deepcopy(exercise_nb)
    for ex_cell, sol_cell in zip(nb.cells, solution_nb.cells):
        answers = answer_blocks(sol_cell.source)
        ex_cell.source = "\n".join(answers.pop(0) if STUB.match(line) else line for line in ex_cell.source.split("\n"))
    return nb


def without_markers(source):
    return "\n".join(line for line in source.split("\n") if line.strip() not in (BEGIN, END))


@pytest.fixture(scope="session")
def executed_exercises():
    """Every shipped exercise notebook, executed once (errors allowed), keyed by stem."""
    return {path.stem: nb for path, nb in execute_all(exercise_paths(EXERCISES)).items()}


@pytest.mark.parametrize("name", NAMES)
def test_exercise_fails_only_at_its_check_cells_with_the_not_implemented_hint(executed_exercises, name):
    nb = executed_exercises[name]
    assert not isinstance(nb, Exception), nb
    errors = {i: o for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"}
    checks = [i for i, c in enumerate(nb.cells) if "check" in tags(c)]
    assert checks and sorted(errors) == checks, f"errors in cells {sorted(errors)}, check cells {checks}"
    for i in checks:
        assert errors[i].ename == "CheckFailed" and "is not implemented yet" in errors[i].evalue
        assert all(nb.cells[j].execution_count is not None for j in range(i) if nb.cells[j].cell_type == "code")


def test_progress_report_of_the_shipped_exercises(executed_exercises):
    results = [r for name in NAMES for r in check_results(name, executed_exercises[name])]
    assert [r.exercise for r in results] == ["binarize", "log_normal_pdf", "std_from_logvar", "reparameterize",
                                             "bernoulli_log_likelihood", "kl_standard_normal", "elbo_single_sample",
                                             "train_step"]
    assert all(r.reason == "not implemented yet" for r in results)
    assert report_lines(results)[-2:] == ["0/8 exercises pass", "next: 01_binarization, binarize"]


@pytest.mark.parametrize("name", NAMES)
def test_pasted_answers_give_back_the_solution_code(name):
    solution = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    pasted = paste_answers(nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4), solution)
    assert [c.source for c in pasted.cells] == [without_markers(c.source) for c in solution.cells]


@pytest.mark.parametrize("name", NAMES)
def test_pasted_answers_pass_the_checks(name, capsys):
    """The round trip, run in this process: the pasted exercise's cells run and every check prints ✓.

    Check cells run up to their "# Use it" part (it loads MNIST or trains; the solution notebooks,
    run by nbval in `make test`, cover it).
    """
    solution = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    pasted = paste_answers(nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4), solution)
    namespace = {"__name__": "__main__"}
    try:
        for cell in pasted.cells:
            if cell.cell_type == "code":
                source = cell.source.split("# Use it")[0] if "check" in tags(cell) else cell.source
                exec(compile(source, f"<{name} cell {cell.id}>", "exec"), namespace)
    finally:
        plt.close("all")
    passed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("✓ ")]
    assert len(passed) == sum("check" in tags(c) for c in pasted.cells) > 0


def test_progress_main_counts_a_solved_exercise(tmp_path, capsys):
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(EXERCISES / "02_diagonal_gaussians.ipynb", folder)
    solved = paste_answers(nbformat.read(EXERCISES / "03_log_variance.ipynb", as_version=4),
                           nbformat.read(SOLUTIONS / "03_log_variance.ipynb", as_version=4))
    nbformat.write(solved, folder / "03_log_variance.ipynb")
    (folder / "notes.ipynb").write_text("not an exercise")  # ignored: not NN_<topic>.ipynb
    assert progress_main(folder) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == ["1/2 exercises pass", "next: 02_diagonal_gaussians, log_normal_pdf"]
    assert lines[1].startswith("✗ 02_diagonal_gaussians") and lines[1].endswith("not implemented yet")
    assert lines[2].startswith("✓ 03_log_variance") and lines[2].rstrip().endswith("std_from_logvar")


def test_progress_main_without_exercises(tmp_path, capsys):
    assert progress_main(tmp_path) == 1
    assert "no exercise notebooks" in capsys.readouterr().out


def test_nbval_verdict_ignores_outputs_saved_by_the_learner(tmp_path, executed_exercises):
    """`pytest --nbval` passes a solved exercise saved with the stale error outputs of an earlier run:
    outputs never matter (every code cell is tagged nbval-ignore-output), only errors do."""
    name = "03_log_variance"
    stale = executed_exercises[name]  # executed while unsolved: its check cell holds an error output
    assert any(o.output_type == "error" for c in stale.cells if c.cell_type == "code" for o in c.outputs)
    solved = paste_answers(stale, nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4))
    nbformat.write(solved, tmp_path / f"{name}.ipynb")
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", "-rA", "-c", str(ROOT / "pyproject.toml"),
                          "--rootdir", str(ROOT), str(tmp_path / f"{name}.ipynb")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "3 passed" in run.stdout, run.stdout[-3000:]
