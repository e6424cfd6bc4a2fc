"""Exercise notebooks from solution notebooks (one source): ``vae-course make-exercises``.

A solution notebook ``solutions/NN_<topic>.ipynb`` holds the answers between marker lines::

    def log_normal_pdf(sample, mean, logvar):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

:func:`generate_exercise` replaces each marked block by a stub that raises
``NotImplementedError("Exercise 02.1 log_normal_pdf: replace this line with your code")`` (same
indentation), clears all outputs and tags every code cell ``nbval-ignore-output``, so that
``pytest --nbval exercises/NN_<topic>.ipynb`` judges a learner's notebook by its errors alone,
whatever outputs it was saved with. Cells tagged ``check`` run ``vae_course.checks``; cells tagged
``exercise`` hold the answers. ``make exercises`` runs :func:`generate_main`; the learner's progress
report is :mod:`vae_course.tooling.progress`. An existing exercise notebook is replaced only when
every cell is what the generator made (:func:`learner_changes`): a learner's work is never overwritten.
"""
from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path


__all__ = ["BEGIN", "END", "CHECK_TAG", "EXERCISE_TAG", "IGNORE_OUTPUT", "NOTEBOOK_NAME", "stub_line", "lesson_number", "generate_exercise", "solution_paths",
           "stub_count", "has_learner_answers", "shipped_exercise", "learner_changes", "generate_main"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
IGNORE_OUTPUT = "nbval-ignore-output"
CHECK_TAG, EXERCISE_TAG = "check", "exercise"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
_DEF = re.compile(r"^(\s*)def\s+(\w+)\s*\(")
_STUB = re.compile(r'^[ \t]*raise NotImplementedError\("Exercise \d\d\.\d+ \w+: replace this line with your code"\)',
                   re.MULTILINE)  # a stub line of code; one the learner commented out is no stub any more


def stub_line(indent: str, exercise_id: str, function: str) -> str:
    """The line that replaces one answer block."""
    return f'{indent}raise NotImplementedError("Exercise {exercise_id} {function}: replace this line with your code")'


def _replace_blocks(source: str, lesson: str, counter: list, where: str) -> str:
    """Replaces every marked block in one cell's ``source``; ``counter[0]`` numbers exercises across cells."""
    lines, out, i = source.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == END:
            raise ValueError(f"{where}: '{END}' without a '{BEGIN}' above it.")
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        ends = [j for j in range(i + 1, len(lines)) if lines[j].strip() in (BEGIN, END)]
        if not ends or lines[ends[0]].strip() != END:
            raise ValueError(f"{where}: '{BEGIN}' on line {i + 1} has no matching '{END}' below it.")
        defs = [m for m in map(_DEF.match, lines[:i]) if m and len(m.group(1)) < len(indent)]
        if not defs:
            raise ValueError(f"{where}: the block on line {i + 1} is not inside a function; put each answer in "
                             "the body of the function the learner writes.")
        counter[0] += 1
        out.append(stub_line(indent, f"{lesson}.{counter[0]}", defs[-1].group(2)))
        i = ends[0] + 1
    return "\n".join(out)


def lesson_number(nb) -> str:
    """The two-digit lesson number stored in the solution's metadata (``vae_course.lesson``)."""
    number = nb.metadata.get("vae_course", {}).get("lesson")
    if not (isinstance(number, str) and re.fullmatch(r"\d\d", number)):
        raise ValueError("the notebook's metadata lacks vae_course.lesson, a two-digit string such as \"02\"; "
                         "add it (Edit > Notebook metadata) so the exercises can be numbered.")
    return number


def generate_exercise(solution_nb):
    """The exercise notebook made from ``solution_nb`` (which is left unchanged).

    Raises:
        ValueError: unbalanced markers, a block outside a function, no block at all, or missing metadata.
    """
    nb = copy.deepcopy(solution_nb)
    lesson, counter = lesson_number(nb), [0]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.source = _replace_blocks(cell.source, lesson, counter, f"cell {index}")
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
        tags = list(cell.metadata.get("tags", []))
        cell.metadata["tags"] = tags + [IGNORE_OUTPUT] * (IGNORE_OUTPUT not in tags)
        if CHECK_TAG in tags:
            cell.metadata.update(editable=False, deletable=False)
    if counter[0] == 0:
        raise ValueError(f"no '{BEGIN}' ... '{END}' block found: a solution notebook needs at least one answer.")
    from vae_course.tooling import colab

    colab.retarget(nb, "exercises")  # the Open-in-Colab badge opens the exercise, not its solution
    for key in ("widgets", "language_info"):  # kernel-specific: the same exercise on every machine
        nb.metadata.pop(key, None)
    return nb


def solution_paths(folder) -> list:
    """The solution notebooks ``NN_<topic>.ipynb`` in ``folder``, in order."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))


def stub_count(nb) -> int:
    """How many answer stubs the code cells of ``nb`` still hold."""
    return sum(len(_STUB.findall(c.source)) for c in nb.cells if c.cell_type == "code")


def has_learner_answers(exercise_nb) -> bool:
    """True when an ``exercise`` cell of ``exercise_nb`` has lost its stub: the learner wrote an answer there.

    A stub counts only as a line of code: one the learner commented out is an answer in progress.
    """
    return any(not _STUB.search(c.source) for c in exercise_nb.cells
               if c.cell_type == "code" and EXERCISE_TAG in c.metadata.get("tags", []))


def _committed_text(path) -> str | None:
    """``path`` as the last commit has it (``git show HEAD:<path>``); None outside a checkout or if untracked."""
    path = Path(path).resolve()
    try:
        root = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True,
                              text=True, timeout=30, check=True).stdout.strip()
        relative = path.relative_to(Path(root).resolve()).as_posix()
        return subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=root, capture_output=True, text=True,
                              timeout=30, check=True).stdout
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def shipped_exercise(path):
    """The exercise notebook as shipped, even after a learner solved it in place; None if it cannot be known.

    A notebook whose exercise cells all still hold their stubs is the shipped one itself (so a freshly
    regenerated, not yet committed exercise is compared as it is). One holding a learner's answers is
    read as the last commit has it (``git show HEAD:<path>``): the drift test then compares what is
    committed, never the learner's working copy. Outside a git checkout (or for an untracked file)
    the answer is None.
    """
    import nbformat  # here, not at the top: `vae-course progress` reads the names above without it (faster)

    nb = nbformat.read(Path(path).resolve(), as_version=4)
    if not has_learner_answers(nb):
        return nb
    text = _committed_text(path)
    return None if text is None else nbformat.reads(text, as_version=4)


def _cells(nb) -> list:
    """What a learner can change in a notebook: every cell's type and source, in order."""
    return [(c.get("cell_type"), c.get("source")) for c in nb.cells]


def learner_changes(target, generated, solution_path) -> str | None:
    """Why the existing exercise notebook ``target`` must be left alone, or None when replacing it by
    ``generated`` loses nothing of a learner's.

    Replacing is safe only when every cell of ``target`` (type and source, in order) is what the
    generator made: from the current solution (``generated``) or from the solution as last committed
    (``git show HEAD:<solution_path>``, e.g. after a maintainer edited the solution). Anything else (an
    answer, a commented-out stub, a new or deleted cell, a note, a file that is not a notebook) is
    the learner's: when in doubt, nothing is written.
    """
    import nbformat

    try:
        current = nbformat.reads(Path(target).read_text(encoding="utf-8"), as_version=4)
        cells = _cells(current)
    except Exception as err:  # noqa: BLE001 (JSON, schema, encoding and OS errors): not ours to replace
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"it is not a notebook this tool can read ({detail})"
    if cells == _cells(generated):
        return None
    committed = _committed_text(solution_path)
    if committed is not None:
        try:
            if cells == _cells(generate_exercise(nbformat.reads(committed, as_version=4))):
                return None
        except Exception:  # noqa: BLE001 an unreadable committed solution proves nothing: keep the notebook
            pass
    return "it holds changes the generator did not make (your answers, code or notes)"


def generate_main(solutions_dir, exercises_dir) -> int:
    """Writes ``exercises_dir/NN_<topic>.ipynb`` for every solution notebook; returns the exit code.

    Nothing is written when a solution is malformed or ``exercises_dir`` cannot be a folder (exit
    code 1). An exercise notebook that holds anything the generator did not write (see
    :func:`learner_changes`) is left alone, with a message naming it and saying how to regenerate it
    on purpose (exit code 1); the other notebooks are still written.
    """
    import nbformat

    from vae_course.atomic_write import writable_folder_problem
    from vae_course.tooling.notebooks import write_notebook

    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    paths = solution_paths(solutions_dir) if solutions_dir.is_dir() else []
    if not paths:
        print(f"error: no solution notebooks NN_<topic>.ipynb in {solutions_dir}", file=sys.stderr)
        return 1
    generated = {}
    for path in paths:
        try:
            generated[path.name] = generate_exercise(nbformat.read(path, as_version=4))
        except Exception as err:  # noqa: BLE001 malformed markers, not JSON, no cells, unreadable: all named
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            print(f"error: {path}: {detail} Nothing was written.", file=sys.stderr)
            return 1
    problem = writable_folder_problem(exercises_dir)
    if problem:
        print(f"error: {problem}; the exercises need a folder. Nothing was written.", file=sys.stderr)
        return 1
    exercises_dir.mkdir(parents=True, exist_ok=True)
    code = 0
    for name, nb in generated.items():
        target = exercises_dir / name
        reason = learner_changes(target, nb, solutions_dir / name) if target.exists() else None
        if reason:
            print(f"kept {target}: {reason}; it was left alone. To regenerate it on purpose, move it away "
                  f"(e.g. mv {target} {target.with_suffix('.mine.ipynb')}) and run again.")
            code = 1
            continue
        old = target.read_text(encoding="utf-8") if target.exists() else None
        write_notebook(nb, target)
        state = "unchanged" if old == target.read_text(encoding="utf-8") else "wrote"
        count = stub_count(nb)
        print(f"{state} {target} ({count} exercise{'s' * (count != 1)})")
    return code
