"""What runs for one notebook: the learner's code cells, with the course's committed check cells.

A learner's copy of a check cell is never run: every cell tagged ``check`` (or calling a course
check, ``check_<exercise>(``) is replaced by the committed check cell of that exercise, read from the
course's shipped exercise notebooks (``exercises/`` as git HEAD has it, see
:func:`vae_course.tooling.learner_work.shipped_exercise`, else generated from ``solutions/``). A check
cell runs up to its ``# Use it`` part. Used by ``vae-course grade`` and ``vae-course progress``.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from vae_course.tooling.exercises import CHECK_TAG, NOTEBOOK_NAME

__all__ = ["USE_IT", "Step", "NotebookError", "course_root", "committed_checks", "exercise_columns", "plan_steps",
           "checks_digest"]

USE_IT = "# Use it"
_CHECKED = re.compile(r"\bcheck_(\w+)\s*\(")


class NotebookError(ValueError):
    """The learner's notebook cannot be read: not JSON, no cells, a cell whose source is not text."""


@dataclass(frozen=True)
class Step:
    """One code cell to run: ``cell`` is its index among the notebook's code cells (pytest's "Cell N")."""
    cell: int
    source: str
    exercise: str = ""  # set for a check cell: the exercise it judges


def course_root() -> Path:
    """The folder holding the course's ``exercises/`` and ``solutions/`` (the package's parent)."""
    return Path(__file__).resolve().parents[2]


def _text(source, where: str) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise NotebookError(f"{where}: its source is {type(source).__name__}, not text; open the notebook in Jupyter, "
                        "save it again, and hand it in again.")


def _code_cells(nb: dict, name: str) -> list:
    """(index among code cells, source, tags) of each code cell of the notebook JSON ``nb``."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{name} is not a notebook (no list of cells).")
    out = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            where = f"{name}, code cell {len(out)}"
            tags = cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
            out.append((len(out), _text(cell.get("source", ""), where), tags if isinstance(tags, list) else []))
    return out


def committed_checks(root=None) -> dict:
    """Notebook name -> [(exercise, check cell source up to "# Use it")], from the course's shipped exercises.

    Raises:
        FileNotFoundError: the course's exercises/ (or solutions/) folder cannot be found.
    """
    from vae_course.tooling.learner_work import shipped_exercise

    root = Path(root) if root else course_root()
    paths = sorted(p for p in (root / "exercises").glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    if not paths:
        raise FileNotFoundError(f"no exercise notebooks in {root / 'exercises'}: the grader needs the course's "
                                "repository (a clone of vae-course) to read the committed check cells.")
    checks = {}
    for path in paths:
        nb = shipped_exercise(path)
        if nb is None:
            raise FileNotFoundError(f"{path} holds answers and git cannot give its committed version.")
        found = []
        for cell in nb.cells:
            if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
                match = _CHECKED.search(cell.source)
                if match:
                    found.append((match.group(1), cell.source.split(USE_IT)[0]))
        checks[path.name] = found
    return checks


def exercise_columns(checks: dict) -> list:
    """The exercises in course order (notebook by notebook, check by check)."""
    return [exercise for name in sorted(checks) for exercise, _ in checks[name]]


def checks_digest(checks: dict) -> str:
    """A hash of the committed check cells: a learner graded with other checks is graded again."""
    return hashlib.sha256(json.dumps(checks, sort_keys=True).encode()).hexdigest()[:16]


def _transform(source: str) -> str:
    """IPython syntax (``%magic``, ``!shell``) as plain Python, when IPython is installed."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 (IPython's transformer fails on odd text: keep the source as it is)
        return source


def plan_steps(text: str, name: str, committed: list) -> list:
    """The steps for the learner's notebook JSON ``text`` named ``name``; its check cells are the committed ones.

    Raises:
        NotebookError: when the notebook cannot be read.
    """
    try:
        nb = json.loads(text)
    except (ValueError, TypeError) as err:
        raise NotebookError(f"{name} is not valid notebook JSON ({err}).") from None
    known = dict(committed)
    placed, steps = set(), []
    for index, source, tags in _code_cells(nb, name):
        called = [m for m in _CHECKED.findall(source) if m in known]
        if CHECK_TAG in tags or called:
            for exercise in called or []:
                if exercise not in placed:
                    placed.add(exercise)
                    steps.append(Step(index, known[exercise], exercise))
            continue
        steps.append(Step(index, _transform(source)))
    last = steps[-1].cell + 1 if steps else 0
    for exercise, source in committed:  # checks whose cell the learner deleted run at the end
        if exercise not in placed:
            steps.append(Step(last, source, exercise))
    return steps
