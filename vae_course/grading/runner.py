"""The parent side of grading one notebook: a process of its own, limits enforced from outside.

:func:`grade_notebook` forks a process for the notebook from the fork server (which imported
TensorFlow once), reads its JSON messages, and kills its whole process group (``SIGKILL``) when a
step outlives :attr:`Limits.cell_s`, when the notebook outlives :attr:`Limits.notebook_s`, and
always at the end (a leftover child dies with it). When the process dies or is killed at a step,
that step's exercise gets ``error`` or ``timeout`` and the notebook runs again without that step
(and without the checks already judged), so that the notebook's other exercises are still graded,
within the notebook's limit.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait

__all__ = ["QUIET", "Limits", "context", "grade_notebook"]

QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "KMP_WARNINGS": "0", "MPLBACKEND": "Agg"}


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits (the README's "Choosing limits"); the checks' own limit per call is 5 s."""
    cell_s: float = 60.0  # one code cell (a check cell is one exercise)
    notebook_s: float = 300.0  # the whole notebook, reruns included
    memory_bytes: int = 6 * 2 ** 30  # RLIMIT_AS: address space (TensorFlow alone reserves about 2 GiB)
    file_bytes: int = 64 * 2 ** 20  # RLIMIT_FSIZE: largest file the notebook may write
    message_bytes: int = 2 ** 20  # largest message accepted from the notebook's process


_STARTING = threading.Lock()  # context() from several worker threads: fd 2 is swapped by one thread at a time


def context():
    """The fork server's multiprocessing context; its server imports TensorFlow and the checks once.

    Safe to call from several threads at once (the local engine's workers): the stderr swap below is
    process-wide, and two threads interleaving it could leave stderr silenced.
    """
    for key, value in QUIET.items():  # read by the fork server when it starts: TensorFlow's start-up stays silent
        os.environ.setdefault(key, value)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["vae_course.grading.worker"])
    from multiprocessing import forkserver

    with _STARTING:
        saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)  # the server (and every notebook process) starts with stderr silenced: no TensorFlow lines
        try:
            forkserver.ensure_running()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)
    return ctx


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run_once(ctx, steps, limits: Limits, deadline: float) -> tuple:
    """Runs ``steps`` once: ({step number: (verdict, message)}, how it ended, the step it ended at)."""
    from vae_course.grading.worker import serve_notebook

    receiver, sender = ctx.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(prefix="vae-grade-") as scratch:
        process = ctx.Process(target=serve_notebook, args=(sender, steps, scratch, limits.memory_bytes,
                                                          limits.file_bytes), daemon=False)
        process.start()
        sender.close()
        verdicts, current, ended = {}, None, "died"
        step_deadline = time.monotonic() + limits.cell_s
        try:
            while True:
                now = time.monotonic()
                # a message already sent is read before the limit is judged: this thread may have been
                # kept from running (the other workers' threads, a busy machine) while the notebook went on
                if now >= min(step_deadline, deadline) and not receiver.poll():
                    ended = "timeout"
                    break
                ready = wait([receiver, process.sentinel], timeout=max(0.0, min(step_deadline, deadline) - now))
                if receiver in ready:
                    try:
                        message = json.loads(receiver.recv_bytes(limits.message_bytes))
                    except (EOFError, OSError, ValueError):
                        break  # closed, too long or not JSON: the process is done for
                    if not isinstance(message, dict):
                        break
                    if message.get("done"):
                        ended = "done"
                        break
                    if isinstance(message.get("start"), int) and 0 <= message["start"] < len(steps):
                        current, step_deadline = message["start"], time.monotonic() + limits.cell_s
                    elif current is not None and steps[current].exercise and message.get("exercise") == \
                            steps[current].exercise and message.get("verdict") in ("pass", "fail", "timeout", "error"):
                        verdicts[current] = (message["verdict"], str(message.get("message", ""))[:4000])
                elif process.sentinel in ready:
                    if not receiver.poll():  # messages sent before it died are read first
                        break
        finally:
            _kill_group(process.pid)
            process.join(5)
            receiver.close()
    return verdicts, ended, current, process.exitcode


def _why(ended: str, exitcode, limits: Limits, cell: int, notebook_over: bool) -> tuple:
    if ended == "timeout":
        if notebook_over:
            return "timeout", f"the notebook did not finish within its limit of {limits.notebook_s:g} s"
        return "timeout", f"code cell {cell} did not finish within {limits.cell_s:g} s (a loop that never ends?)"
    how = f"signal {-exitcode}" if isinstance(exitcode, int) and exitcode < 0 else f"exit code {exitcode}"
    return "error", (f"the notebook's process died at code cell {cell} ({how}): os._exit, a crash in compiled "
                     "code, or running out of memory")


def grade_notebook(steps, limits: Limits, ctx=None) -> dict:
    """Runs one notebook's ``steps`` (plan.Step) in processes of its own; exercise -> (verdict, message)."""
    ctx = ctx or context()
    ctx_process = multiprocessing.current_process()
    daemon = ctx_process._config.pop("daemon", None)  # a Dask worker is a daemon; its notebooks need processes
    try:
        return _grade(steps, limits, ctx)
    finally:
        if daemon is not None:
            ctx_process._config["daemon"] = daemon


def _grade(steps, limits: Limits, ctx) -> dict:
    started = time.monotonic()
    deadline = started + limits.notebook_s
    results, skipped, notes = {}, set(), []
    order = [s.exercise for s in steps if s.exercise]
    while True:
        todo = [i for i, s in enumerate(steps) if i not in skipped and not (s.exercise and s.exercise in results)]
        run = [steps[i] for i in todo]
        verdicts, ended, current, exitcode = _run_once(ctx, run, limits, deadline)
        for number, verdict in verdicts.items():
            results[run[number].exercise] = verdict
        if ended == "done" or not run:
            break
        over = time.monotonic() >= deadline
        if current is None or over:
            kind, why = _why(ended, exitcode, limits, run[current].cell if current is not None else 0, over)
            for exercise in order:
                results.setdefault(exercise, (kind, why))
            break
        kind, why = _why(ended, exitcode, limits, run[current].cell, False)
        skipped.add(todo[current])
        if run[current].exercise:
            results[run[current].exercise] = (kind, why)
        else:
            notes.append((kind, why, run[current].cell))  # a learner cell that hung or crashed
    for kind, why, cell in notes:  # ... is told at the first check after it that did not pass
        for step in steps:
            if step.exercise and step.cell > cell and results.get(step.exercise, ("fail",))[0] == "fail":
                message = results.get(step.exercise, ("fail", ""))[1]
                results[step.exercise] = (kind, f"{why}; then: {message}" if message else why)
                break
    return {exercise: results.get(exercise, ("error", "the check did not report")) for exercise in order}
