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
``exercise`` hold the answers. ``make exercises`` runs :func:`vae_course.tooling.make_exercises.generate_main`,
which never overwrites a learner's work (:mod:`vae_course.tooling.learner_work`); the learner's
progress report is :mod:`vae_course.tooling.progress`.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path


__all__ = ["BEGIN", "END", "CHECK_TAG", "EXERCISE_TAG", "IGNORE_OUTPUT", "NOTEBOOK_NAME", "STUB", "stub_line", "lesson_number",
           "generate_exercise", "solution_paths", "stub_count"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
IGNORE_OUTPUT = "nbval-ignore-output"
CHECK_TAG, EXERCISE_TAG = "check", "exercise"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
_DEF = re.compile(r"^(\s*)def\s+(\w+)\s*\(")
STUB = re.compile(r'^[ \t]*raise NotImplementedError\("Exercise \d\d\.\d+ \w+: replace this line with your code"\)',
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
    return sum(len(STUB.findall(c.source)) for c in nb.cells if c.cell_type == "code")
