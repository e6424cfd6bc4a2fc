"""The shipped exercises fail exactly at their checks, a solution's answers pasted in pass them, and the
progress report counts what passes (nbgrader's "validate --invert", the round trip, ``vae-course progress``).

Every test here works on exercise notebooks generated from ``solutions/`` into a temporary folder, never
on the files in ``exercises/`` (which a learner edits in place); that those files are what the generator
makes is the drift test's job (tests/test_exercises_generator.py, which reads what is committed).
"""
import contextlib
import copy
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from inprocess import execute_in_process

from vae_course.tooling import colab
from vae_course.tooling.exercises import BEGIN, END, generate_exercise, solution_paths
from vae_course.tooling.notebooks import write_notebook
from vae_course.tooling.progress import progress_main, report_lines, run_checks, select_paths

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NAMES = [p.stem for p in solution_paths(SOLUTIONS)]
STUB = re.compile(r'^\s*raise NotImplementedError\("Exercise \d\d\.\d+ \w+: replace this line with your code"\)$')
EXERCISES = ["binarize", "dynamic_binarize", "log_normal_pdf", "posterior", "std_from_logvar", "reparameterize",
             "score_function_gradient", "bernoulli_log_likelihood", "kl_standard_normal", "elbo_single_sample",
             "iwae_bound", "make_encoder", "make_decoder", "train_step"]


def tags(cell):
    return cell.metadata.get("tags", [])


def solution(name):
    return nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)


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
def stubs(tmp_path_factory):
    """The exercise notebooks as the generator makes them, in a temporary folder."""
    folder = tmp_path_factory.mktemp("exercises")
    for name in NAMES:
        write_notebook(generate_exercise(solution(name)), folder / f"{name}.ipynb")
    return folder


@pytest.fixture(scope="session")
def executed_stubs(stubs):
    """Every generated exercise notebook, run once top to bottom (errors allowed), keyed by stem.

    Run in this process (tests/inprocess.py), in the notebooks' folder as a kernel would be: a kernel
    per notebook would import TensorFlow eight more times. The check cells raise the same exceptions
    there; that a Jupyter kernel and nbval judge a notebook the same way is tested below with one
    notebook (test_nbval_verdict_ignores_outputs_saved_by_the_learner).
    """
    with contextlib.chdir(stubs):
        return {p.stem: execute_in_process(nbformat.read(p, as_version=4), p.name) for p in sorted(stubs.glob("*.ipynb"))}


@pytest.mark.parametrize("name", NAMES)
def test_exercise_fails_only_at_its_check_cells_with_the_not_implemented_hint(executed_stubs, name):
    nb = executed_stubs[name]
    errors = {i: o for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"}
    checks = [i for i, c in enumerate(nb.cells) if "check" in tags(c)]
    assert checks and sorted(errors) == checks, f"errors in cells {sorted(errors)}, check cells {checks}"
    for i in checks:
        assert errors[i].ename == "CheckFailed" and "is not implemented yet" in errors[i].evalue
        assert errors[i].evalue.rstrip().endswith("for the next hint.")
        assert all(nb.cells[j].execution_count is not None for j in range(i) if nb.cells[j].cell_type == "code")


def test_progress_report_of_the_shipped_exercises_counts_every_exercise(stubs):
    results = run_checks(select_paths(stubs))
    flat = [r for name in NAMES for r in results[name]]
    assert [r.exercise for r in flat] == EXERCISES
    assert all(r.reason == "not implemented yet" for r in flat), [r.reason for r in flat]
    assert report_lines(flat)[-2:] == [f"0/{len(EXERCISES)} exercises pass", "next: 01_binarization, binarize"]


@pytest.mark.parametrize("name", NAMES)
def test_pasted_answers_give_back_the_solution_code(name):
    pasted = paste_answers(generate_exercise(solution(name)), solution(name))
    assert ([c.source for c in pasted.cells if not colab.is_colab_cell(c)]
            == [without_markers(c.source) for c in solution(name).cells if not colab.is_colab_cell(c)])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.usefixtures("judged_without_per_call_restore")
def test_pasted_answers_pass_the_checks(name, capsys):
    """The round trip, run in this process: the pasted exercise's cells run and every check prints ✓.

    Check cells run up to their "# Use it" part (it loads MNIST or trains; tests/test_solutions.py runs
    the solution notebooks with it, and with the checks' restore after every call, as a learner's notebook has it).
    """
    pasted = paste_answers(generate_exercise(solution(name)), solution(name))
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


def _folder_with(tmp_path, notebooks):
    folder = tmp_path / "exercises"
    folder.mkdir()
    for name, nb in notebooks.items():
        write_notebook(nb, folder / f"{name}.ipynb")
    return folder


def test_progress_main_counts_a_solved_exercise_and_shows_a_hint_whole(tmp_path, capfd):
    wrong = generate_exercise(solution("03_log_variance"))
    cell = next(c for c in wrong.cells if "exercise" in tags(c))
    cell.source = re.sub(r'raise NotImplementedError\(.*\)', "return tf.exp(logvar)", cell.source)
    folder = _folder_with(tmp_path, {
        "02_diagonal_gaussians": generate_exercise(solution("02_diagonal_gaussians")),
        "03_log_variance": wrong,
        "04_reparameterization": paste_answers(generate_exercise(solution("04_reparameterization")),
                                               solution("04_reparameterization"))})
    (folder / "notes.ipynb").write_text("not an exercise")  # ignored: not NN_<topic>.ipynb
    assert progress_main(folder) == 0
    out, err = capfd.readouterr()  # file descriptors: TensorFlow's C++ log lines would land there
    assert err == ""
    lines = out.splitlines()
    assert lines[-2:] == ["2/5 exercises pass", "next: 02_diagonal_gaussians, log_normal_pdf"]
    assert lines[1].startswith("✗ 02_diagonal_gaussians") and lines[1].endswith("not implemented yet")
    failing = out.split("std_from_logvar", 1)[1]
    assert "That is the variance σ², not the standard deviation σ." in failing
    assert 'hint("std_from_logvar")' in failing  # the whole message, hint call included
    assert [line for line in lines if line.startswith("✓")][0].startswith("✓ 04_reparameterization")
    assert not re.search(r"I0000|W0000|E0000|WARNING|oneDNN|cuda|Traceback", out), out


def test_progress_of_one_lesson_by_number(tmp_path, monkeypatch, capsys):
    folder = _folder_with(tmp_path, {n: generate_exercise(solution(n)) for n in ("01_binarization", "03_log_variance")})
    monkeypatch.chdir(tmp_path)
    assert [p.name for p in select_paths("03")] == ["03_log_variance.ipynb"]
    assert select_paths("3") == select_paths("03") and select_paths("07") == []
    assert [p.name for p in select_paths(folder / "01_binarization.ipynb")] == ["01_binarization.ipynb"]
    assert progress_main("03") == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["0/1 exercises pass", "next: 03_log_variance, std_from_logvar"]


def test_a_syntax_error_in_the_learners_cell_gets_a_hint_not_a_name_error(tmp_path, capsys):
    nb = generate_exercise(solution("03_log_variance"))
    cell = next(c for c in nb.cells if "exercise" in tags(c))
    cell.source = re.sub(r'raise NotImplementedError\(.*\)', "return tf.exp(0.5 * logvar", cell.source)
    assert progress_main(_folder_with(tmp_path, {"03_log_variance": nb})) == 0
    out = capsys.readouterr().out
    assert "std_from_logvar is not defined: run the cell with your function first" in out
    index = [c for c in nb.cells if c.cell_type == "code"].index(cell)  # counted as pytest's "Cell N": code cells from 0
    assert f"code cell {index} raised SyntaxError" in out and "NameError" not in out


def test_progress_main_without_exercises(tmp_path, capsys):
    assert progress_main(tmp_path) == 1
    assert "no exercise notebooks" in capsys.readouterr().out


def test_nbval_verdict_ignores_outputs_saved_by_the_learner(tmp_path, executed_stubs):
    """`pytest --nbval` passes a solved exercise saved with the stale error outputs of an earlier run:
    outputs never matter (every code cell is tagged nbval-ignore-output), only errors do."""
    name = "03_log_variance"
    stale = executed_stubs[name]  # executed while unsolved: its check cell holds an error output
    assert any(o.output_type == "error" for c in stale.cells if c.cell_type == "code" for o in c.outputs)
    write_notebook(paste_answers(stale, solution(name)), tmp_path / f"{name}.ipynb")
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", "-rA", "-p", "no:cacheprovider",
                          "-c", str(ROOT / "pyproject.toml"),
                          "--rootdir", str(ROOT), str(tmp_path / f"{name}.ipynb")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "3 passed" in run.stdout, run.stdout[-3000:]


# --- no check cell answers an exercise (issue 20, item 2) ---------------------------------------------------------

def _forbidden_in(stem):
    """Names of package functions a check cell of notebook ``stem`` may not call: the answers (and one-line
    shortcuts) of its own exercises and of every later one, as vae_course.checks.shortcuts refuses them."""
    from vae_course.checks.shortcuts import ORDER, refused

    first = min(EXERCISES.index(name) for name in _exercises_of(stem))
    names = {fn.__qualname__.split(".")[0] if fn.__name__ == "__init__" else fn.__name__
             for fn in refused(ORDER[first][0])}
    later = [n for n, _ in ORDER[first:]]
    return names | ({"kl_divergence"} if "kl_standard_normal" in later else set()), later


def _exercises_of(stem):
    return [n for n in EXERCISES if re.search(rf"\bdef {n}\(", "\n".join(c.source for c in solution(stem).cells))]


def _call_patterns(names):
    """A call through a module (``distributions.x(``, ``tfd.kl_divergence(``) or an import of the name itself: the
    learner's own function of the same name is called bare, and that is allowed."""
    return [re.compile(rf"\.{re.escape(n)}\s*\(|\bimport\b[^\n]*\b{re.escape(n)}\b") for n in sorted(names)]


@pytest.mark.parametrize("name", NAMES)
def test_no_check_cell_calls_the_packages_answer_to_its_own_or_a_later_exercise(name):
    forbidden, _ = _forbidden_in(name)
    for cell in solution(name).cells:
        if "check" in tags(cell):
            for pattern in _call_patterns(forbidden):
                assert not pattern.search(cell.source), f"{name}: a check cell calls {pattern.pattern!r}"


def test_the_check_cell_scan_finds_the_old_shortcuts():
    """What the check cells used to show (02.1: the posterior, 05: the decoder's distribution, 06.1: the KL)."""
    old = {"02_diagonal_gaussians": "q = distributions.encoder_distribution(mean, logvar)",
           "05_decoder_as_distribution": "decoder = distributions.decoder_distribution(logits)",
           "06_elbo": "print(tfd.kl_divergence(q, prior))"}
    for stem, line in old.items():
        assert any(p.search(line) for p in _call_patterns(_forbidden_in(stem)[0])), (stem, line)
