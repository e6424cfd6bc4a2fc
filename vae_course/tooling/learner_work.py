"""A learner's work in an exercise notebook, and how the tools keep it (``make exercises``, the grader).

:func:`has_learner_answers` tells a solved notebook from a shipped one; :func:`shipped_exercise` finds the
shipped notebook even after a learner solved it in place (``git show HEAD:<path>``); :func:`learner_changes`
says why an existing notebook must be left alone: anything in it the generator did not write.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from vae_course.tooling.exercises import EXERCISE_TAG, STUB, generate_exercise

__all__ = ["has_learner_answers", "shipped_exercise", "learner_changes"]


def has_learner_answers(exercise_nb) -> bool:
    """True when an ``exercise`` cell of ``exercise_nb`` has lost its stub: the learner wrote an answer there.

    A stub counts only as a line of code: one the learner commented out is an answer in progress.
    """
    return any(not STUB.search(c.source) for c in exercise_nb.cells
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
