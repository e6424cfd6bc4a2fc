"""The solutions -> exercises generator: stubs, tags, outputs, errors, and the committed exercises are current."""
import ast
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from vae_course.tooling import colab
from vae_course.tooling.exercises import generate_exercise, solution_paths
from vae_course.tooling.learner_work import shipped_exercise
from vae_course.tooling.make_exercises import generate_main
from vae_course.tooling.notebooks import write_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


def solution(*cells, lesson="06"):
    nb = new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}, "vae_course": {"lesson": lesson}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    return nb


ANSWER_1 = '''def kl(mean, logvar):
    """Doc."""
    x = 1
    ### BEGIN SOLUTION
    y = x + 1
    return y
    ### END SOLUTION'''
ANSWER_2 = '''class Helper:
    def method(self):
        ### BEGIN SOLUTION
        return 2
        ### END SOLUTION'''


def small_solution(lesson="06"):
    executed = new_code_cell(ANSWER_1, metadata={"tags": ["exercise"], "execution": {"iopub.status.busy": "t"}},
                             execution_count=3, outputs=[new_output("stream", name="stdout", text="hi\n")])
    check = new_code_cell("check_kl(kl)", metadata={"tags": ["check"]}, execution_count=4,
                          outputs=[new_output("stream", name="stdout", text="✓ kl\n")])
    return solution(new_markdown_cell("# Title"), new_code_cell("import math"), executed, check,
                    new_code_cell(ANSWER_2, metadata={"tags": ["exercise"]}), lesson=lesson)


def test_blocks_become_numbered_stubs_with_the_block_indentation():
    ex = generate_exercise(small_solution())
    assert ex.cells[2].source == ('def kl(mean, logvar):\n    """Doc."""\n    x = 1\n'
                                  '    raise NotImplementedError("Exercise 06.1 kl: replace this line with your code")')
    assert ex.cells[4].source == ('class Helper:\n    def method(self):\n        raise NotImplementedError('
                                  '"Exercise 06.2 method: replace this line with your code")')


def test_outputs_cleared_code_cells_tagged_check_cells_locked_markdown_kept():
    ex = generate_exercise(small_solution())
    codes = [c for c in ex.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in codes)
    assert all("nbval-ignore-output" in c.metadata["tags"] for c in codes)
    assert all("execution" not in c.metadata for c in codes)
    assert ex.cells[2].metadata["tags"] == ["exercise", "nbval-ignore-output"]
    assert ex.cells[3].metadata["editable"] is False and ex.cells[3].metadata["deletable"] is False
    assert ex.cells[0] == small_solution().cells[0]
    assert [c.id for c in ex.cells] == [f"c{i}" for i in range(5)]


def test_generation_is_pure_and_idempotent():
    sol = small_solution()
    before = nbformat.writes(sol)
    once = generate_exercise(sol)
    assert nbformat.writes(sol) == before
    assert "BEGIN SOLUTION" not in nbformat.writes(once) and "y = x + 1" not in nbformat.writes(once)
    with pytest.raises(ValueError, match="no '### BEGIN SOLUTION'"):
        generate_exercise(once)  # an exercise has no answers left to hide


@pytest.mark.parametrize("source,message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "has no matching '### END SOLUTION'"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a '### BEGIN SOLUTION' above it"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION", "has no matching"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "not inside a function"),
    ("def f():\n    return 1", "no '### BEGIN SOLUTION'"),
])
def test_malformed_solutions_are_refused_with_the_cell_and_line(source, message):
    with pytest.raises(ValueError, match=message):
        generate_exercise(solution(new_code_cell(source)))


def test_missing_lesson_number_is_refused():
    nb = small_solution()
    del nb.metadata["vae_course"]
    with pytest.raises(ValueError, match="vae_course.lesson"):
        generate_exercise(nb)


def test_generate_main_writes_reports_and_keeps_a_learners_answers(tmp_path, capsys):
    sols, exs = tmp_path / "solutions", tmp_path / "exercises"
    sols.mkdir()
    nbformat.write(small_solution(), sols / "06_elbo.ipynb")
    assert generate_main(sols, exs) == 0
    assert capsys.readouterr().out.strip() == f"wrote {exs / '06_elbo.ipynb'} (2 exercises)"
    assert generate_main(sols, exs) == 0
    assert capsys.readouterr().out.startswith("unchanged")
    answered = nbformat.read(exs / "06_elbo.ipynb", as_version=4)
    answered.cells[2].source = answered.cells[2].source.replace('raise NotImplementedError("Exercise 06.1 kl: '
                                                                'replace this line with your code")', "return 2")
    nbformat.write(answered, exs / "06_elbo.ipynb")
    before = (exs / "06_elbo.ipynb").read_text()
    assert generate_main(sols, exs) == 1
    out = capsys.readouterr().out
    assert f"kept {exs / '06_elbo.ipynb'}" in out and "your answers" in out and "move it away" in out
    assert (exs / "06_elbo.ipynb").read_text() == before


def test_generate_main_writes_nothing_when_a_solution_is_malformed(tmp_path, capsys):
    sols, exs = tmp_path / "solutions", tmp_path / "exercises"
    sols.mkdir()
    nbformat.write(small_solution(), sols / "01_good.ipynb")
    nbformat.write(solution(new_code_cell("def f():\n    ### BEGIN SOLUTION\n")), sols / "02_bad.ipynb")
    assert generate_main(sols, exs) == 1
    err = capsys.readouterr().err
    assert "02_bad.ipynb" in err and "cell 0" in err and "Nothing was written" in err
    assert not exs.exists()
    assert generate_main(tmp_path / "missing", exs) == 1
    assert "no solution notebooks" in capsys.readouterr().err


STUB_1 = 'raise NotImplementedError("Exercise 06.1 kl: replace this line with your code")'
STUB_2 = 'raise NotImplementedError("Exercise 06.2 method: replace this line with your code")'


def _generated_folder(tmp_path):
    """solutions/06_elbo.ipynb and the exercise make-exercises writes from it; returns (solutions, exercises)."""
    sols, exs = tmp_path / "solutions", tmp_path / "exercises"
    sols.mkdir()
    nbformat.write(small_solution(), sols / "06_elbo.ipynb")
    assert generate_main(sols, exs) == 0
    return sols, exs


def _edit(path, change):
    nb = nbformat.read(path, as_version=4)
    change(nb)
    write_notebook(nb, path)
    return path.read_bytes()


def _comment_out_stub(nb):
    nb.cells[2].source = nb.cells[2].source.replace(STUB_1, "# " + STUB_1 + "\n    return x + 1")


def _answer_in_a_new_cell(nb):
    del nb.cells[4]  # the stub cell of exercise 06.2, deleted
    nb.cells.append(new_code_cell("class Helper:\n    def method(self):\n        return 2"))


def _code_added_elsewhere(nb):
    nb.cells[1].source += "\nimport numpy as np  # mine"


def _a_note(nb):
    nb.cells[0].source += "\n\nMy note: the KL is never negative."


def _answer_in_place(nb):
    nb.cells[4].source = nb.cells[4].source.replace(STUB_2, "return 2")


@pytest.mark.parametrize("change", [_comment_out_stub, _answer_in_a_new_cell, _code_added_elsewhere, _a_note,
                                    _answer_in_place])
def test_anything_a_learner_changed_is_never_overwritten(change, tmp_path, capsys):
    sols, exs = _generated_folder(tmp_path)
    target = exs / "06_elbo.ipynb"
    before = _edit(target, change)
    capsys.readouterr()
    assert generate_main(sols, exs) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"kept {target}: it holds changes the generator did not make")
    assert f"mv {target} {exs / '06_elbo.mine.ipynb'}" in out  # how to regenerate it on purpose
    assert target.read_bytes() == before
    new_solution = small_solution()  # even when the solution changed since: the learner's copy stays
    new_solution.cells[1].source = "import math, cmath"
    nbformat.write(new_solution, sols / "06_elbo.ipynb")
    assert generate_main(sols, exs) == 1 and target.read_bytes() == before


def test_a_commented_out_stub_counts_as_an_answer():
    ex = generate_exercise(small_solution())
    _comment_out_stub(ex)
    from vae_course.tooling.exercises import stub_count
    from vae_course.tooling.learner_work import has_learner_answers

    assert has_learner_answers(ex) and stub_count(ex) == 1


def test_outputs_of_an_unchanged_notebook_are_cleared_and_other_notebooks_still_written(tmp_path, capsys):
    """A learner ran the notebook without changing a cell: nothing of theirs is lost by regenerating it."""
    sols, exs = _generated_folder(tmp_path)
    fresh = (exs / "06_elbo.ipynb").read_bytes()
    _edit(exs / "06_elbo.ipynb", lambda nb: nb.cells[1].outputs.append(new_output("stream", name="stdout", text="x")))
    nbformat.write(small_solution(lesson="07"), sols / "07_networks.ipynb")
    assert generate_main(sols, exs) == 0
    assert (exs / "06_elbo.ipynb").read_bytes() == fresh and (exs / "07_networks.ipynb").is_file()


def test_a_maintainers_solution_change_regenerates_the_committed_exercise(tmp_path, capsys):
    """In a checkout, an exercise the generator made from the committed solution is replaced by the new one;
    outside a checkout the same notebook is left alone (it cannot be told from a learner's)."""
    git = lambda *args: subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    sols, exs = _generated_folder(tmp_path)
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "course")
    changed = small_solution()
    changed.cells[1].source = "import math, cmath"
    nbformat.write(changed, sols / "06_elbo.ipynb")
    (tmp_path / ".git").rename(tmp_path / "no-git")
    before = (exs / "06_elbo.ipynb").read_bytes()
    assert generate_main(sols, exs) == 1 and (exs / "06_elbo.ipynb").read_bytes() == before
    (tmp_path / "no-git").rename(tmp_path / ".git")
    capsys.readouterr()
    assert generate_main(sols, exs) == 0
    assert capsys.readouterr().out.startswith("wrote")
    assert nbformat.read(exs / "06_elbo.ipynb", as_version=4).cells[1].source == "import math, cmath"


def test_a_broken_notebook_in_the_exercises_is_named_and_left_alone(tmp_path, capsys):
    sols, exs = _generated_folder(tmp_path)
    (exs / "06_elbo.ipynb").write_text('{"cells": [')
    nbformat.write(small_solution(lesson="07"), sols / "07_networks.ipynb")
    capsys.readouterr()
    assert generate_main(sols, exs) == 1
    out = capsys.readouterr().out
    assert f"kept {exs / '06_elbo.ipynb'}: it is not a notebook this tool can read" in out
    assert (exs / "06_elbo.ipynb").read_text() == '{"cells": ['
    assert (exs / "07_networks.ipynb").is_file()  # the notebooks after it are still written


def test_a_solution_without_cells_and_an_exercises_path_that_is_a_file_are_refused(tmp_path, capsys):
    sols, exs = tmp_path / "solutions", tmp_path / "exercises"
    sols.mkdir()
    (sols / "06_elbo.ipynb").write_text('{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    assert generate_main(sols, exs) == 1
    err = capsys.readouterr().err
    assert f"error: {sols / '06_elbo.ipynb'}:" in err and "cells" in err and "Nothing was written" in err
    assert "Traceback" not in err and not exs.exists()
    nbformat.write(small_solution(), sols / "06_elbo.ipynb")
    exs.write_text("a file")
    assert generate_main(sols, exs) == 1
    err = capsys.readouterr().err
    assert f"{exs} exists and is not a folder" in err and "Nothing was written" in err
    assert exs.read_text() == "a file"


# --- the committed notebooks ----------------------------------------------------------------------------------

def _essence(nb):
    cells = [(c.cell_type, c.get("id"), c.source, dict(c.metadata)) for c in nb.cells]
    return cells, {k: v for k, v in nb.metadata.items() if k not in ("language_info", "widgets")}


def test_every_solution_has_its_exercise_and_no_exercise_lacks_a_solution():
    names = [p.name for p in solution_paths(SOLUTIONS)]
    assert names == [f"{t}.ipynb" for t in ("01_binarization", "02_diagonal_gaussians", "03_log_variance",
                                            "04_reparameterization", "05_decoder_as_distribution", "06_elbo",
                                            "07_networks", "08_training")]
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == names


@pytest.mark.parametrize("path", solution_paths(SOLUTIONS), ids=lambda p: p.stem)
def test_committed_exercise_is_what_the_generator_makes(path):
    """Compares the generator's output with the exercise as shipped: the file itself while it holds only stubs,
    the committed version (git HEAD) once a learner has solved it in place, so solving never breaks this test."""
    generated = generate_exercise(nbformat.read(path, as_version=4))
    shipped = shipped_exercise(EXERCISES / path.name)
    if shipped is None:  # solved in place outside a git checkout: the cells a learner does not edit still match
        shipped = nbformat.read(EXERCISES / path.name, as_version=4)
        keep = lambda nb: [c for c in nb.cells if "exercise" not in c.metadata.get("tags", [])]  # noqa: E731
        assert _essence(new_notebook(cells=keep(shipped)))[0] == _essence(new_notebook(cells=keep(generated)))[0]
        return
    assert _essence(shipped) == _essence(generated), (
        f"exercises/{path.name} is out of date: run `make exercises` (vae-course make-exercises solutions/ exercises/)")
    assert all(not c.get("outputs") for c in shipped.cells if c.cell_type == "code")


def test_shipped_exercise_is_the_committed_one_once_solved_in_place(tmp_path):
    """A learner's answers in exercises/ leave the shipped notebook readable from git; an unsolved one is itself."""
    git = lambda *args: subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    stub = generate_exercise(small_solution())
    write_notebook(stub, tmp_path / "06_elbo.ipynb")
    assert shipped_exercise(tmp_path / "06_elbo.ipynb") == nbformat.read(tmp_path / "06_elbo.ipynb", as_version=4)
    git("add", "06_elbo.ipynb")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "stubs")
    solved = nbformat.read(tmp_path / "06_elbo.ipynb", as_version=4)
    solved.cells[2].source = solved.cells[2].source.replace(
        'raise NotImplementedError("Exercise 06.1 kl: replace this line with your code")', "return 2")
    write_notebook(solved, tmp_path / "06_elbo.ipynb")
    assert _essence(shipped_exercise(tmp_path / "06_elbo.ipynb")) == _essence(stub)
    (tmp_path / ".git").rename(tmp_path / "no-git")  # no checkout any more: the shipped version is unknown
    assert shipped_exercise(tmp_path / "06_elbo.ipynb") is None


@pytest.mark.parametrize("path", solution_paths(SOLUTIONS), ids=lambda p: p.stem)
def test_solution_notebook_layout(path):
    """Narrative with a link to the lesson and an equation, exercise and check cells, answers in plain TF/NumPy."""
    nb = nbformat.read(path, as_version=4)
    intro = next(c for c in nb.cells if not colab.is_colab_cell(c)).source
    assert f"../lessons/{path.name}" in intro and "$$" in intro
    exercises = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    assert exercises and len(checks) == sum(c.source.count("### BEGIN SOLUTION") for c in exercises)
    for check in checks:
        assert check.source.startswith("from vae_course.checks import check_")
    for cell in exercises:
        answer = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        assert "import" not in answer and "vae_course" not in answer, "answers are written out, not imported"


# The course's naming table (x, x_logits, z, mean, logvar, eps) in the exercises' signatures; written here,
# not read from the notebooks, so that an exercise that renames an argument fails.
SIGNATURES = {
    "binarize": ["images"], "dynamic_binarize": ["images", "seed"],
    "log_normal_pdf": ["sample", "mean", "logvar"], "posterior": ["mean", "logvar"],
    "std_from_logvar": ["logvar"], "reparameterize": ["mean", "logvar", "eps"],
    "score_function_gradient": ["f", "mean", "logvar", "eps"], "bernoulli_log_likelihood": ["x", "x_logits"],
    "kl_standard_normal": ["mean", "logvar"], "elbo_single_sample": ["x", "mean", "logvar", "z", "x_logits"],
    "iwae_bound": ["log_weights"], "make_encoder": ["latent_dim"], "make_decoder": ["latent_dim"],
    "train_step": ["model", "x", "optimizer"],
}


@pytest.mark.parametrize("folder", ["exercises", "solutions"])
def test_every_exercise_names_its_arguments_as_the_naming_table_does(folder):
    found = {}
    for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if "exercise" in cell.metadata.get("tags", []):
                for node in ast.parse(cell.source).body:
                    if isinstance(node, ast.FunctionDef):
                        found[node.name] = [a.arg for a in node.args.args]
    assert found == SIGNATURES
