"""How fast ``vae-course grade`` grades a class, with 1 and 2 workers: ``python benchmarks/grade_speed.py``.

Builds a synthetic class from ``solutions/`` (the right answers, pasted into the exercise notebooks)
and known wrong answers, six kinds in turn: right, untouched (the stubs), wrong (the variance for
σ), hanging (a top-level loop), crashing (``os._exit``) and tampering (``np.allclose`` replaced, a
wrong answer). Grades it with 1 worker, then with 2, in this process, and prints learners per
minute, seconds per learner, the peak memory of a notebook process (RSS, sampled) and the
2-vs-1 ratio, TensorFlow's start-up with and without the fork server (:func:`startup_seconds`), and
fails if a verdict is not what its kind expects (:func:`misjudged`).
``--learners`` (default 120) and ``--notebooks`` (default: 03 only, the fast one) size it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("right", "untouched", "wrong", "hanging", "crashing", "tampering")


def _answer_cells(solution: dict) -> list:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in solution["cells"]
            if c.get("cell_type") == "code" and "exercise" in c.get("metadata", {}).get("tags", [])]


def learner_notebook(name: str, kind: str) -> str:
    """The exercise notebook ``name`` answered as ``kind``."""
    exercise = json.loads((ROOT / "exercises" / name).read_text())
    answers = iter(_answer_cells(json.loads((ROOT / "solutions" / name).read_text())))
    for cell in exercise["cells"]:
        if cell.get("cell_type") != "code" or "exercise" not in cell.get("metadata", {}).get("tags", []):
            continue
        answer = re.sub(r"\s*### (BEGIN|END) SOLUTION", "", next(answers))
        cell["source"] = {
            "right": answer, "untouched": cell["source"],
            "wrong": re.sub(r"0\.5 \* |/ 2\.?0?", "", answer),
            "hanging": "while True:\n    pass\n", "crashing": "import os\nos._exit(1)\n",
            "tampering": "import numpy as np\nnp.allclose = lambda *a, **k: True\n" + re.sub(r"0\.5 \* |/ 2\.?0?", "", answer),
        }[kind]
    return json.dumps(exercise)


def build_class(folder: Path, learners: int, notebooks: list) -> None:
    for i in range(learners):
        kind = KINDS[i % len(KINDS)]
        for name in notebooks:
            path = folder / f"learner{i:04d}_{kind}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(learner_notebook(name, kind))


def _descendants_rss() -> dict:
    """RSS (MiB) of each process below this one, the fork server's notebook processes included."""
    parents, rss = {}, {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    me, found = os.getpid(), {}
    for pid in rss:
        chain, p = [], parents.get(pid)
        while p and p not in (me, 1) and len(chain) < 20:
            chain.append(p)
            p = parents.get(p)
        if p == me and len(chain) >= 1:  # a grandchild or deeper: a notebook process, not the fork server
            found[pid] = rss[pid]
    return found


class PeakMemory(threading.Thread):
    """Samples the notebook processes' RSS every 0.2 s; ``peak`` is the largest seen (MiB)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.stop = 0.0, threading.Event()

    def run(self):
        while not self.stop.wait(0.2):
            self.peak = max([self.peak, *_descendants_rss().values()])


EXPECTED = {"right": "pass", "untouched": "fail", "hanging": "timeout", "crashing": "error"}


def misjudged(out: Path) -> list:
    """Rows of ``out/grades.csv`` whose verdicts are not those of their kind: right is ``pass``, untouched
    ``fail``, hanging ``timeout``, crashing ``error``; wrong and tampering are ``fail`` for std_from_logvar
    (the one answer the benchmark's edit is sure to make wrong)."""
    import csv

    bad = []
    with open(out / "grades.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["student"].rsplit("_", 1)[1]
            for column, verdict in row.items():
                if column in ("student", "passed", "total") or verdict == "missing":
                    continue
                want = EXPECTED.get(kind, "fail" if column == "std_from_logvar" else verdict)
                if verdict != want:
                    bad.append(f"{row['student']} {column}: {verdict}, expected {want}")
    return bad


def run(folder: Path, out: Path, workers: int, timeout: float) -> float:
    from vae_course.cli import main

    started = time.perf_counter()
    assert main(["grade", str(folder), "--out", str(out), "--workers", str(workers), "--timeout", str(timeout),
                 "--regrade"]) == 0
    seconds = time.perf_counter() - started
    bad = misjudged(out)
    if bad:
        raise SystemExit(f"{len(bad)} verdict(s) not as expected with {workers} worker(s):\n" + "\n".join(bad[:20]))
    return seconds


def _probe() -> None:
    import tensorflow  # noqa: F401  (in a forked notebook process: already imported by the fork server)


def startup_seconds(ctx, repeats: int = 10) -> tuple:
    """(a fresh interpreter importing what a notebook process needs, a process forked from the warm server):
    median seconds of each. The fork server is what hides TensorFlow's start-up from every notebook."""
    import statistics
    import subprocess

    fresh = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import vae_course.grading.worker"], check=True, capture_output=True,
                       cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        fresh.append(time.perf_counter() - started)
    forked = []
    for _ in range(repeats):
        started = time.perf_counter()
        process = ctx.Process(target=_probe)
        process.start()
        process.join()
        forked.append(time.perf_counter() - started)
    return statistics.median(fresh), statistics.median(forked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=120)
    parser.add_argument("--notebooks", nargs="*", default=["03_log_variance.ipynb"])
    parser.add_argument("--timeout", type=float, default=10.0, help="--timeout of the grader (seconds per cell)")
    args = parser.parse_args()
    from vae_course.grading.runner import context

    ctx = context()
    warm = ctx.Process(target=os.getpid)  # starts the fork server (TensorFlow imported once) before timing
    warm.start()
    warm.join()
    fresh, forked = startup_seconds(ctx)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        build_class(folder, args.learners, args.notebooks)
        sampler = PeakMemory()
        sampler.start()
        times = {w: run(folder, Path(tmp) / f"out{w}", w, args.timeout) for w in (1, 2)}
        sampler.stop.set()
    peak_mib = sampler.peak
    n = args.learners
    for w, seconds in times.items():
        print(f"{w} worker{'s' * (w > 1)}: {60 * n / seconds:.1f} learners/minute, {seconds / n:.2f} s per learner "
              f"({n} learners, {len(args.notebooks)} notebook(s) each)")
    print(f"peak memory of one notebook process (RSS): {peak_mib:.0f} MiB")
    print(f"start-up of a notebook process: {fresh:.2f} s for a fresh interpreter importing TensorFlow and the "
          f"checks, {1000 * forked:.0f} ms forked from the grader's warm server ({fresh / forked:.0f}x)")
    print(f"2 workers vs 1: {times[1] / times[2]:.2f}x as fast")
    print(f"every verdict as its kind expects, with 1 and with 2 workers ({n} learners)")


if __name__ == "__main__":
    main()
