"""How long each exercise check takes on a right answer: ``python benchmarks/check_latency.py``.

Runs every solution notebook's code cells in order in one namespace (as ``tests/test_solutions.py``
does, without a kernel), timing the check in each ``check`` cell (its import and call, not the "use
it" part after it): the first call, so TensorFlow's tracing of the learner's function is included.
Prints seconds per check cell, in course order, and the slowest, against issue 20's goals (a check
within 3 s, ``train_step``'s within 5 s). Timings are of this machine, on this run: compare them only
with each other.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def check_cell_seconds(notebook: Path) -> list:
    """[(first line of the check cell, seconds)] of one solution notebook, its cells run in order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat

    from vae_course.tooling.exercises import CHECK_TAG

    namespace, timings, here = {"__name__": "__main__"}, [], os.getcwd()
    os.chdir(notebook.parent)  # as a kernel started in the notebook's folder
    try:
        for cell in nbformat.read(notebook, as_version=4).cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code" or "nbval-skip" in tags:
                continue
            check, _, use = cell.source.partition("\n# Use it")  # a check cell: the check, then "use it"
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(check, str(notebook), "exec"), namespace)
                seconds = time.perf_counter() - started
                exec(compile("# Use it" + use if use else "", str(notebook), "exec"), namespace)
            if CHECK_TAG in tags:
                first = next(line for line in check.splitlines() if line.startswith("check_"))
                timings.append((first, seconds))
            plt.close("all")
    finally:
        os.chdir(here)
    return timings


def main() -> None:
    rows = []
    for notebook in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        rows += [(notebook.name[:2], line, seconds) for line, seconds in check_cell_seconds(notebook)]
    for lesson, line, seconds in rows:
        print(f"{lesson}  {seconds:6.2f} s  {line}")
    slowest = max(rows, key=lambda r: r[2])
    others = max((r for r in rows if "train_step" not in r[1]), key=lambda r: r[2])
    print(f"slowest check: {others[1]} {others[2]:.2f} s (goal 3 s); "
          f"train_step: {max(r[2] for r in rows if 'train_step' in r[1]):.2f} s (goal 5 s); "
          f"slowest of all {slowest[2]:.2f} s")


if __name__ == "__main__":
    main()
