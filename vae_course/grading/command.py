"""``vae-course grade SUBMISSIONS --out OUT [--workers N] [--timeout S] [--scheduler ADDRESS] [--regrade]``.

Checks the arguments (exit 2 with what to do), finds the learners, skips those already graded with
the same notebooks (content hash) unless ``--regrade``, grades the others (locally or on a Dask
cluster), writes each learner's result and feedback as soon as they are graded, then grades.csv,
summary.md and pass_rate.png. Exit 0 when every learner was graded, whatever the grades.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from vae_course.grading import store
from vae_course.grading.feedback import write_feedback
from vae_course.grading.plan import checks_digest, committed_checks, exercise_columns
from vae_course.grading.runner import Limits
from vae_course.grading.submissions import (
    SubmissionsError,
    content_hash,
    extract_zip,
    find_learners,
)
from vae_course.grading.summary import write_summary

__all__ = ["limits_for", "grade_main"]


def limits_for(timeout_s: float | None) -> Limits:
    """The limits for ``--timeout S`` (seconds per cell; the notebook gets 5 times that)."""
    if timeout_s is None:
        return Limits()
    return Limits(cell_s=timeout_s, notebook_s=5 * timeout_s)


def _bar(done: int, total: int, started: float) -> str:
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else 0.0
    filled = int(30 * done / max(total, 1))
    return f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} learners, ETA {eta:4.0f} s"


def _error(message: str) -> int:
    print(f"vae-course grade: error: {message}", file=sys.stderr)
    return 2


def grade_main(submissions: Path, out: Path, workers=None, timeout_s=None, scheduler=None, regrade=False) -> int:
    submissions, out = Path(submissions), Path(out)
    if not submissions.exists():
        return _error(f"SUBMISSIONS {submissions} does not exist: give the folder (or .zip) of the learners' notebooks.")
    if out.exists() and not out.is_dir():
        return _error(f"OUT {out} is a file: give a folder for the grades (it is made if missing).")
    if workers is not None and workers < 1:
        return _error(f"--workers {workers}: give at least 1 (default: the number of cores).")
    committed = committed_checks()
    columns = exercise_columns(committed)
    limits = limits_for(timeout_s)
    salt = checks_digest(committed) + repr(limits)
    with tempfile.TemporaryDirectory(prefix="vae-grade-zip-") as scratch:
        try:
            folder = extract_zip(submissions, Path(scratch)) if submissions.is_file() else submissions
            learners = find_learners(folder, committed)
        except SubmissionsError as err:
            return _error(str(err))
        client = None
        if scheduler:
            from vae_course.grading.engine import connect

            try:
                client = connect(scheduler)
            except RuntimeError as err:
                return _error(str(err))
        out.mkdir(parents=True, exist_ok=True)
        jobs, results = [], {}
        for learner in learners:
            digest = content_hash(learner, salt)
            old = store.load_result(out, learner.student)
            if old and old.get("hash") == digest and not regrade:
                results[learner.student] = old
            else:
                jobs.append((learner, digest))
        print(f"{len(learners)} learners, {len(results)} already graded, {len(jobs)} to grade", file=sys.stderr)
        from vae_course.grading import engine

        stream = (engine.grade_dask(client, jobs, committed, limits) if client else
                  engine.grade_local(jobs, committed, limits, workers or os.cpu_count() or 1))
        started, done = time.monotonic(), 0
        for result in stream:
            store.save_result(out, result)  # the learner's result first: it is what resuming trusts
            write_feedback(out, result, columns)
            results[result["student"]] = result
            done += 1
            print(_bar(done, len(jobs), started), end="", file=sys.stderr, flush=True)
        if client is not None:
            client.close()
    print(file=sys.stderr)
    for result in results.values():
        if not (out / "feedback" / f"{result['student']}.md").exists():
            write_feedback(out, result, columns)
    ordered = [results[learner.student] for learner in learners]
    store.write_grades(out, ordered, columns)
    write_summary(out, ordered, columns)
    print(f"wrote {out / 'grades.csv'}, {out / 'summary.md'} and feedback/ for {len(ordered)} learners",
          file=sys.stderr)
    return 0
