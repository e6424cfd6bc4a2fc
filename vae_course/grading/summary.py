"""What the instructor reads before the next lecture: ``OUT/summary.md`` and ``OUT/pass_rate.png``.

The class's pass rate per exercise (a bar chart too) and the most frequent failure messages (their
first line, numbers blurred so that one mistake with different values counts once).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from vae_course.atomic_write import atomic_write_text

__all__ = ["pass_rates", "frequent_failures", "plot_pass_rates", "write_summary"]


def pass_rates(results: list, columns: list) -> dict:
    """Exercise -> fraction of learners whose verdict is pass."""
    n = max(len(results), 1)
    return {c: sum(r["verdicts"].get(c, {}).get("verdict") == "pass" for r in results) / n for c in columns}


def frequent_failures(results: list, top: int = 10) -> list:
    """[(count, exercise, message's first line)] for the most frequent failure messages."""
    counter = Counter()
    for result in results:
        for exercise, entry in result["verdicts"].items():
            if entry.get("verdict") in ("fail", "timeout", "error") and entry.get("message"):
                first = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", entry["message"].splitlines()[0])
                counter[(exercise, first)] += 1
    return [(count, exercise, line) for (exercise, line), count in counter.most_common(top)]


def plot_pass_rates(rates: dict, ax=None):
    """Horizontal bars of the pass rate per exercise, in course order; returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(rates) + 1))
    names = list(rates)[::-1]
    ax.barh(names, [100 * rates[n] for n in names], color="tab:green")
    ax.set_xlim(0, 100)
    ax.set_xlabel("learners who pass (%)")
    ax.set_title("Pass rate per exercise")
    ax.figure.tight_layout()
    return ax.figure


def write_summary(out: Path, results: list, columns: list) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = pass_rates(results, columns)
    lines = ["# Class summary", "", f"{len(results)} learners graded.", "", "![pass rate](pass_rate.png)", "",
             "| exercise | pass rate |", "|---|---|"] + [f"| `{c}` | {100 * r:.0f}% |" for c, r in rates.items()]
    lines += ["", "## Most frequent failures", "", "| learners | exercise | message |", "|---|---|---|"]
    lines += [f"| {n} | `{e}` | {m.replace('|', '/')} |" for n, e, m in frequent_failures(results)]
    atomic_write_text(Path(out) / "summary.md", "\n".join(lines) + "\n")
    figure = plot_pass_rates(rates)
    figure.savefig(Path(out) / "pass_rate.png", dpi=100)
    plt.close(figure)
