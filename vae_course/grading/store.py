"""The grader's outputs that survive a crash: one JSON per learner, written atomically, and grades.csv.

``OUT/results/<student>.json`` is written (atomically: temporary file, fsync, rename) as soon as the
learner is graded; it holds the verdicts and the content hash of what was graded. A new run skips a
learner whose result has the same hash (``--regrade`` ignores them), and ``grades.csv`` is rebuilt from
these files, so a run killed at any moment resumes with no row lost and none duplicated.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from vae_course.atomic_write import atomic_write_json, atomic_write_text

__all__ = ["VERDICTS", "result_path", "load_result", "save_result", "write_grades"]

VERDICTS = ("pass", "fail", "timeout", "error", "missing")


def result_path(out: Path, student: str) -> Path:
    return Path(out) / "results" / f"{student}.json"


def load_result(out: Path, student: str):
    """The stored result of ``student`` (a dict), or None when there is none or it cannot be read."""
    try:
        result = json.loads(result_path(out, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and isinstance(result.get("verdicts"), dict) else None


def save_result(out: Path, result: dict) -> None:
    path = result_path(out, result["student"])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, result)


def write_grades(out: Path, results: list, columns: list) -> Path:
    """``OUT/grades.csv``: student, one column per exercise (its verdict), passed, total; one row per learner."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *columns, "passed", "total"])
    for result in sorted(results, key=lambda r: r["student"]):
        verdicts = [result["verdicts"].get(c, {}).get("verdict", "missing") for c in columns]
        writer.writerow([result["student"], *verdicts, verdicts.count("pass"), len(columns)])
    return atomic_write_text(Path(out) / "grades.csv", buffer.getvalue())
