"""The child side of grading one notebook: runs its steps in this process and reports each check's verdict.

The process was forked from a server that imported TensorFlow and the checks once (so start-up costs
milliseconds), and serves exactly one notebook of one learner. Before any learner code runs it
becomes the leader of its own process group (the parent kills the whole group, leftover children
included), takes its resource limits (``RLIMIT_AS``, file size, no core files), moves into an empty
scratch folder and sends its output to ``/dev/null``: a cell printing 20 MB costs nothing. Before
and after each check cell it undoes what the learner's code changed in numpy, TensorFlow, builtins
and vae_course (:mod:`vae_course.grading.integrity`). Messages to the parent are small JSON objects:
``{"start": i}`` before step i, ``{"verdict": ..., "exercise": ..., "message": ...}`` after a check,
``{"done": true}`` at the end.
"""
from __future__ import annotations

import builtins
import io
import json
import os
import resource
import signal
import sys

import vae_course.checks  # noqa: F401 (imported by the fork server, before any learner code)
from vae_course.checks import harness

__all__ = ["MESSAGE_CHARS", "verdict_of", "serve_notebook"]

MESSAGE_CHARS = 4000  # a check's message longer than this is cut


def verdict_of(error) -> tuple:
    """(verdict, message) for what a check cell raised (None: it passed)."""
    if error is None:
        return "pass", ""
    if isinstance(error, harness.CheckTimedOut):
        return "timeout", str(error)
    if isinstance(error, harness.CheckFailed):
        return "fail", str(error)
    return "error", f"the check stopped with {type(error).__name__}: {' '.join(str(error).split())[:300]}"


def _limit(memory_bytes: int, file_bytes: int) -> None:
    for kind, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_FSIZE, file_bytes),
                        (resource.RLIMIT_CORE, 0)):
        if value is not None:
            soft, hard = resource.getrlimit(kind)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (value, hard))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file limit fails instead of killing


def _silence() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout = sys.stderr = io.TextIOWrapper(io.FileIO(os.dup(devnull), "w"), write_through=True)


def serve_notebook(conn, steps, workdir: str, memory_bytes, file_bytes) -> None:
    """Runs ``steps`` (plan.Step) in a fresh namespace and reports to ``conn``; never returns (``os._exit``)."""
    os.setsid()
    _silence()
    os.chdir(workdir)
    _limit(memory_bytes, file_bytes)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def send(message: dict) -> None:
        conn.send_bytes(json.dumps(message).encode())

    namespace = {"__name__": "__main__", "__builtins__": builtins}
    earlier = ""
    # Bound here, before any learner code: locals that the learner's code cannot rebind. heal() undoes what
    # it changed (the checks also undo after every call of the learner's function), sealed against learner
    # code that rebinds or rewrites the undoing itself (integrity.ModuleGuard.sealed).
    heal, judge = harness.strict(), verdict_of
    heal()
    for number, step in enumerate(steps):
        send({"start": number})
        if step.exercise:
            heal()
            namespace["__builtins__"] = builtins
        try:
            exec(compile(step.source, f"<code cell {step.cell}>", "exec"), namespace)
            error = None
        except BaseException as err:  # noqa: BLE001 (the learner's code: anything may come out; it is the verdict)
            error = err
        if step.exercise:
            heal()  # before the verdict is formed and sent (json, multiprocessing are guarded too)
            verdict, message = judge(error)
            heal()  # str() of the learner's own exception class is learner code too
            if verdict == "fail" and earlier and "is not defined" in message:
                message = f"{message}\n({earlier})"
            send({"verdict": verdict, "exercise": step.exercise, "message": message[:MESSAGE_CHARS]})
        elif error is not None and not earlier:
            text = " ".join(str(error).split())[:200]
            earlier = f"code cell {step.cell} raised {type(error).__name__}: {text}"
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001 (closing figures is housekeeping; never a verdict)
            pass
    send({"done": True})
    os._exit(0)  # no exit handlers: the learner may have registered some
