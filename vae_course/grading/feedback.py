"""What a learner reads: ``OUT/feedback/<student>.md`` and ``.html``, each exercise's verdict and, under each
one not passed, the check's message with its hint, as Jupyter shows it. Never a solution: the checks'
messages name the mistake, not the code.
"""
from __future__ import annotations

import html
from pathlib import Path

from vae_course.atomic_write import atomic_write_text

__all__ = ["MEANING", "feedback_markdown", "feedback_html", "write_feedback"]

MEANING = {"pass": "✓ passed", "fail": "✗ not yet", "timeout": "⏱ ran out of time", "error": "⚠ could not be run",
           "missing": "— not handed in"}


def _rows(result: dict, columns: list):
    for exercise in columns:
        entry = result["verdicts"].get(exercise, {"verdict": "missing", "message": ""})
        yield exercise, entry.get("verdict", "missing"), entry.get("message", "")


def feedback_markdown(result: dict, columns: list) -> str:
    rows = list(_rows(result, columns))
    passed = sum(v == "pass" for _, v, _ in rows)
    lines = [f"# Feedback for {result['student']}", "", f"{passed}/{len(columns)} exercises pass.", "",
             "| exercise | verdict |", "|---|---|"]
    lines += [f"| `{e}` | {MEANING[v]} |" for e, v, _ in rows]
    for exercise, verdict, message in rows:
        if verdict != "pass" and message:
            lines += ["", f"## `{exercise}`: {MEANING[verdict]}", "", "```text", message.replace("```", "'''"), "```"]
    return "\n".join(lines) + "\n"


def feedback_html(result: dict, columns: list) -> str:
    rows = list(_rows(result, columns))
    passed = sum(v == "pass" for _, v, _ in rows)
    out = [f"<!doctype html><meta charset='utf-8'><title>Feedback for {html.escape(result['student'])}</title>",
           f"<h1>Feedback for {html.escape(result['student'])}</h1><p>{passed}/{len(columns)} exercises pass.</p>",
           "<table><tr><th>exercise</th><th>verdict</th></tr>"]
    out += [f"<tr><td><code>{html.escape(e)}</code></td><td>{MEANING[v]}</td></tr>" for e, v, _ in rows]
    out.append("</table>")
    for exercise, verdict, message in rows:
        if verdict != "pass" and message:
            out.append(f"<h2><code>{html.escape(exercise)}</code>: {MEANING[verdict]}</h2><pre>{html.escape(message)}</pre>")
    return "\n".join(out) + "\n"


def write_feedback(out: Path, result: dict, columns: list) -> None:
    folder = Path(out) / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{result['student']}.md", feedback_markdown(result, columns))
    atomic_write_text(folder / f"{result['student']}.html", feedback_html(result, columns))
