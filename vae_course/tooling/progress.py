"""Which exercises pass (``make progress``): run every exercise notebook, read its check cells.

Each notebook ``NN_<topic>.ipynb`` of the folder is executed (errors allowed, in this Python); a
cell tagged ``check`` that ran without an error is a solved exercise. The report has one line per
exercise, then ``N/M exercises pass`` and the next exercise to do.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from vae_course.tooling.exercises import CHECK_TAG, NOTEBOOK_NAME

__all__ = ["CELL_TIMEOUT_S", "Result", "exercise_paths", "execute_all", "check_results", "report_lines",
           "progress_main"]

_CHECKED = re.compile(r"\bcheck_(\w+)\s*\(")
CELL_TIMEOUT_S = 300


@dataclass(frozen=True)
class Result:
    notebook: str  # file stem, e.g. "03_log_variance"
    exercise: str  # the checked function's name, e.g. "std_from_logvar"
    passed: bool
    reason: str = ""  # first line of the error when not passed


def exercise_paths(folder) -> list:
    """The exercise notebooks ``NN_<topic>.ipynb`` in ``folder``, in order."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))


def execute_all(paths, workers=None) -> dict:
    """Executes the notebooks (errors allowed), a few at a time; maps each path to its executed
    notebook, or to the exception that stopped it (unreadable file, dead kernel, timeout)."""
    from vae_course.tooling.notebooks import execute_notebook

    def run(path):
        try:
            return execute_notebook(path, timeout=CELL_TIMEOUT_S, allow_errors=True)
        except Exception as err:  # reported per notebook; the others still run
            return err

    paths = list(paths)
    workers = workers or max(1, min(len(paths), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(paths, pool.map(run, paths)))


def check_results(stem: str, executed) -> list:
    """One :class:`Result` per check cell of an executed notebook (or per notebook when it did not run)."""
    if isinstance(executed, Exception):
        message = " ".join(str(executed).split())[:200] or type(executed).__name__
        return [Result(stem, "(whole notebook)", False, f"could not run the notebook: {message}")]
    results = []
    if not any(CHECK_TAG in c.metadata.get("tags", []) for c in executed.cells):
        return [Result(stem, "(no check cell)", False, "no cell is tagged 'check': get a fresh copy with `make exercises`")]
    for index, cell in enumerate(executed.cells):
        if cell.cell_type != "code" or CHECK_TAG not in cell.metadata.get("tags", []):
            continue
        match = _CHECKED.search(cell.source)
        name = match.group(1) if match else f"check cell {index}"
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            results.append(Result(stem, name, False, _reason(errors[0], name)))
        elif cell.get("execution_count") is None:
            results.append(Result(stem, name, False, "the check cell did not run"))
        else:
            results.append(Result(stem, name, True))
    return results


def _reason(error: dict, name: str) -> str:
    """A short reason from an error output: the check's hint, or the exception's type and message."""
    text = (str(error.get("evalue", "")).strip().splitlines() or [""])[0]
    if "not implemented yet" in text:
        return "not implemented yet"
    if error.get("ename") == "CheckFailed":
        text = text[len(name):].lstrip(" :") if text.startswith(name) else text
    else:
        text = f"{error.get('ename', 'Error')}: {text}"
    return text if len(text) <= 90 else text[:89] + "…"


def report_lines(results) -> list:
    """The report: one line per exercise, the count, and the next exercise to do."""
    nb_w = max((len(r.notebook) for r in results), default=0)
    ex_w = max((len(r.exercise) for r in results), default=0)
    lines = [f"{'✓' if r.passed else '✗'} {r.notebook:<{nb_w}}  {r.exercise:<{ex_w}}  {r.reason}".rstrip()
             for r in results]
    passed = sum(r.passed for r in results)
    lines.append(f"{passed}/{len(results)} exercises pass")
    todo = [r for r in results if not r.passed]
    lines.append(f"next: {todo[0].notebook}, {todo[0].exercise}" if todo else "all exercises pass: well done!")
    return lines


def progress_main(folder) -> int:
    """Runs every exercise notebook in ``folder`` and prints the report; returns the exit code.

    0 when the report was made (whatever passes), 1 when ``folder`` holds no exercise notebooks.
    """
    paths = exercise_paths(folder) if Path(folder).is_dir() else []
    if not paths:
        print(f"error: no exercise notebooks NN_<topic>.ipynb in {folder}; make them with `make exercises`.")
        return 1
    print(f"running {len(paths)} exercise notebooks in {folder} ...", flush=True)
    executed = execute_all(paths)
    results = [r for path in paths for r in check_results(path.stem, executed[path])]
    print("\n".join(report_lines(results)))
    return 0
