"""``vae-course make-exercises SOLUTIONS EXERCISES`` (``make exercises``): exercise notebooks from the
solutions, never over a learner's work (:func:`vae_course.tooling.learner_work.learner_changes`)."""
from __future__ import annotations

import sys
from pathlib import Path

from vae_course.tooling.exercises import generate_exercise, solution_paths, stub_count
from vae_course.tooling.learner_work import learner_changes

__all__ = ["generate_main"]


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
