"""Which exercises pass: ``vae-course progress [exercises/ | NN | path.ipynb]`` (``make progress``).

The notebooks are run by one worker process (``python -m vae_course.tooling.progress``), which
imports TensorFlow once, quietly (its log lines and the cells' printing never reach the report),
then executes each notebook's code cells in a fresh namespace, in order. A check cell runs up to
its ``# Use it`` part (the demonstration after a passing check: loading MNIST, training) and counts
as solved when it raises nothing. The report has one line per exercise, a failing check's whole
message (its hint) under it, then ``N/M exercises pass`` and the next exercise to do.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vae_course.tooling.exercises import CHECK_TAG, NOTEBOOK_NAME

__all__ = ["RUN_TIMEOUT_S", "Result", "exercise_paths", "select_paths", "run_checks", "report_lines",
           "progress_main"]

RUN_TIMEOUT_S = 600  # seconds for all the selected notebooks together
USE_IT = "# Use it"
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


def _code_cells(path) -> list:
    """(source, is_check) of each code cell, read as plain JSON (nbformat's validation costs a second)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return [("".join(c["source"]) if isinstance(c["source"], list) else c["source"],
             CHECK_TAG in c.get("metadata", {}).get("tags", [])) for c in cells if c.get("cell_type") == "code"]


def _run_notebook(path) -> list:
    """Executes one notebook's code cells in a fresh namespace; one record per check cell."""
    try:
        cells = _code_cells(path)
    except (OSError, ValueError, KeyError, TypeError) as err:  # reported; the other notebooks still run
        return [{"exercise": "(whole notebook)", "passed": False, "reason": f"could not read it: {err}"}]
    namespace, records, earlier = {"__name__": "__main__"}, [], ""
    for index, (source, is_check) in enumerate(cells):
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = source.split(USE_IT)[0] if is_check else source
                exec(compile(code, f"<{Path(path).stem} code cell {index}>", "exec"), namespace)
            error = None
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt):
                raise
            error = err
        if not is_check:
            if error is not None and not earlier:
                earlier = f"code cell {index} raised {type(error).__name__}: {' '.join(str(error).split())[:200]}"
            continue
        match = _CHECKED.search(source)
        record = {"exercise": match.group(1) if match else f"check cell {index}", "passed": error is None}
        if error is not None:
            text = str(error).strip()
            if type(error).__name__ != "CheckFailed":
                text = f"{type(error).__name__}: {text}"
            if earlier and "not defined" in text:
                text = f"{text}\n({earlier})"
            record["reason"] = "not implemented yet" if "is not implemented yet" in text else text
        records.append(record)
    if not records:
        records.append({"exercise": "(no check cell)", "passed": False,
                        "reason": "no cell is tagged 'check': get a fresh copy with `make exercises`"})
    return records


def _worker(out_file, paths) -> None:
    """The worker's job: run the notebooks, write {stem: [records]} as JSON to ``out_file``."""
    import matplotlib

    matplotlib.use("Agg")
    results = {}
    for path in paths:
        results[Path(path).stem] = _run_notebook(path)
        try:
            import matplotlib.pyplot as plt

            plt.close("all")
        except Exception:  # noqa: BLE001
            pass
    Path(out_file).write_text(json.dumps(results), encoding="utf-8")


def run_checks(paths, timeout=RUN_TIMEOUT_S) -> dict:
    """Runs the notebooks in one quiet worker process; maps each stem to its list of :class:`Result`."""
    paths = [Path(p) for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        command = [sys.executable, "-m", "vae_course.tooling.progress", str(out), *map(str, paths)]
        env = {**os.environ, **QUIET}
        try:
            run = subprocess.run(command, env=env, capture_output=True, text=True,
                                 timeout=timeout)
            problem = "" if out.exists() else f"the worker stopped (exit code {run.returncode}): {run.stderr[-300:]}"
        except subprocess.TimeoutExpired:
            problem = f"the notebooks did not finish within {timeout} s (a loop that never ends?)"
        raw = json.loads(out.read_text(encoding="utf-8")) if not problem else {}
    results = {}
    for path in paths:
        records = raw.get(path.stem) or [{"exercise": "(whole notebook)", "passed": False,
                                          "reason": f"could not run the notebook: {problem}"}]
        results[path.stem] = [Result(path.stem, r["exercise"], r["passed"], r.get("reason", "")) for r in records]
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


if __name__ == "__main__":  # the worker: python -m vae_course.tooling.progress OUT_FILE NOTEBOOK...
    _worker(sys.argv[1], sys.argv[2:])
