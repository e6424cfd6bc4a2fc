"""Which exercises pass: ``vae-course progress [exercises/ | NN | path.ipynb]`` (``make progress``).

Each notebook runs in a process of its own, forked from a server that imported TensorFlow once,
quietly (the grader's machinery, :mod:`vae_course.grading.runner`): one notebook cannot spoil
another's result, a cell that hangs costs 30 s (a learner function 5 s), and a process that dies is
named with its code cell. A check cell (the course's committed one) runs up to its ``# Use it``
part and counts as solved when it raises nothing. The report has one line per exercise, a failing check's whole
message (its hint) under it, then ``N/M exercises pass`` and the next exercise to do.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from vae_course.tooling.exercises import CHECK_TAG, NOTEBOOK_NAME

__all__ = ["RUN_TIMEOUT_S", "CELL_TIMEOUT_S", "Result", "exercise_paths", "select_paths", "run_checks", "report_lines",
           "progress_main"]

RUN_TIMEOUT_S = 120  # seconds for one notebook
CELL_TIMEOUT_S = 30  # seconds for one code cell
_CHECKED = re.compile(r"\bcheck_(\w+)\s*\(")
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "KMP_WARNINGS": "0", "MPLBACKEND": "Agg"}


@dataclass(frozen=True)
class Result:
    notebook: str  # file stem, e.g. "03_log_variance"
    exercise: str  # the checked function's name, e.g. "std_from_logvar"
    passed: bool
    reason: str = ""  # the check's message (or the error) when not passed


def exercise_paths(folder) -> list:
    """The exercise notebooks ``NN_<topic>.ipynb`` in ``folder``, in order."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))


def select_paths(target, default_folder="exercises") -> list:
    """The notebooks ``target`` names: a folder (all its exercises), a lesson number "03", or one notebook."""
    target = Path(target)
    if target.is_dir():
        return exercise_paths(target)
    if re.fullmatch(r"\d\d?", target.name) and not target.exists():
        return [p for p in exercise_paths(default_folder) if p.name.startswith(f"{int(target.name):02d}_")]
    return [target] if target.is_file() and NOTEBOOK_NAME.match(target.name) else []


def _steps(path, committed: dict) -> list:
    """The plan for one notebook: its code cells, with the course's committed check cells when known."""
    from vae_course.grading.plan import USE_IT, Step, plan_steps

    text = Path(path).read_text(encoding="utf-8")
    if Path(path).name in committed:
        return plan_steps(text, Path(path).name, committed[Path(path).name])
    steps = []  # a notebook the course does not ship: its own check cells
    nb = json.loads(text)
    for index, cell in enumerate(c for c in nb["cells"] if c.get("cell_type") == "code"):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        match = _CHECKED.search(source) if CHECK_TAG in cell.get("metadata", {}).get("tags", []) else None
        steps.append(Step(index, source.split(USE_IT)[0], match.group(1)) if match else Step(index, source))
    return steps


def _committed() -> dict:
    from vae_course.grading.plan import committed_checks

    try:
        return committed_checks()
    except FileNotFoundError:
        return {}


def run_checks(paths, timeout=RUN_TIMEOUT_S) -> dict:
    """Runs each notebook in a process of its own (the grader's machinery); maps each stem to its :class:`Result` list.

    One notebook cannot spoil another's result, a hang costs :data:`CELL_TIMEOUT_S` (the notebook at most
    ``timeout``), and a notebook that cannot run is named with its cell.
    """
    from vae_course.grading.plan import NotebookError
    from vae_course.grading.runner import Limits, context, grade_notebook

    committed, ctx = _committed(), context()
    limits = Limits(cell_s=CELL_TIMEOUT_S, notebook_s=timeout)
    results = {}
    for path in map(Path, paths):
        try:
            steps = _steps(path, committed)
        except (OSError, ValueError, KeyError, TypeError, NotebookError) as err:
            results[path.stem] = [Result(path.stem, "(whole notebook)", False, f"could not read it: {err}")]
            continue
        verdicts = grade_notebook(steps, limits, ctx)
        if not verdicts:
            results[path.stem] = [Result(path.stem, "(no check cell)", False,
                                         "no cell is tagged 'check': get a fresh copy with `make exercises`")]
            continue
        results[path.stem] = [Result(path.stem, exercise, verdict == "pass",
                                     "not implemented yet" if "is not implemented yet" in message else message)
                              for exercise, (verdict, message) in verdicts.items()]
    return results


def report_lines(results) -> list:
    """The report: one line per exercise (a failing check's message indented below), the count, what next."""
    nb_w = max((len(r.notebook) for r in results), default=0)
    ex_w = max((len(r.exercise) for r in results), default=0)
    lines = []
    for r in results:
        short = r.reason if r.reason == "not implemented yet" else ""
        lines.append(f"{'✓' if r.passed else '✗'} {r.notebook:<{nb_w}}  {r.exercise:<{ex_w}}  {short}".rstrip())
        if r.reason and not short:
            lines += ["      " + line for line in r.reason.splitlines()]
    passed = sum(r.passed for r in results)
    lines.append(f"{passed}/{len(results)} exercises pass")
    todo = [r for r in results if not r.passed]
    lines.append(f"next: {todo[0].notebook}, {todo[0].exercise}" if todo else "all exercises pass: well done!")
    return lines


def progress_main(target="exercises") -> int:
    """Runs the exercise notebooks ``target`` names and prints the report; returns the exit code.

    0 when the report was made (whatever passes), 1 when ``target`` names no exercise notebook.
    """
    paths = select_paths(target)
    if not paths:
        print(f"error: no exercise notebooks NN_<topic>.ipynb in {target}; give the exercises folder, a lesson "
              "number such as 03, or a notebook (make them with `make exercises`).")
        return 1
    print(f"checking {len(paths)} exercise notebook{'s' * (len(paths) != 1)} ...", flush=True)
    results = run_checks(paths)
    print("\n".join(report_lines([r for p in paths for r in results[p.stem]])))
    return 0


