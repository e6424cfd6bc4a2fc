"""A time limit a learner's function cannot swallow, disable or outlast in silence (issue 20, item 6).

:func:`time_limit` raises :class:`LimitReached` in the main thread when the limit is reached (SIGALRM).
Three things make it hold whatever the learner's code does:

- **The alarm repeats** every :data:`REPEAT_S` seconds after the limit, and the first one also turns
  on a tracer that raises again on every line the learner's own code runs: a bare ``except:`` around
  the loop catches the first exception and is stopped on its next line.
- **A watchdog thread** re-arms the alarm when the learner's code turned it off
  (``signal.setitimer(ITIMER_REAL, 0)``), and raises in the main thread when the SIGALRM handler was
  replaced.
- **Compiled code** (a ``tf.while_loop`` that never ends, running in TensorFlow's C++) cannot be
  interrupted from inside the process: one second past the limit the watchdog says so on stderr,
  naming the function and the limit. The grader kills such a process from outside.

Used by :func:`vae_course.checks.harness.call` (every exercise's check, lesson 01 on).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["REPEAT_S", "LimitReached", "time_limit", "is_learner_code"]

REPEAT_S = 0.2  # seconds between alarms once the limit is reached
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
_STDLIB_DIR = os.path.dirname(os.__file__)
_LIBRARY_MARKERS = ("site-packages", "dist-packages", "<frozen", "__autograph_generated")


class LimitReached(BaseException):
    """Raised in the learner's code at the limit; a BaseException so that `except Exception` lets it pass."""


def is_learner_code(filename: str) -> bool:
    """True for code outside this package, the standard library and installed libraries (a notebook's cells)."""
    return not (filename.startswith((_PACKAGE_DIR, _STDLIB_DIR)) or any(m in filename for m in _LIBRARY_MARKERS))


def _killer(frame, event, arg):
    """On each line of the learner's code, schedules LimitReached (a raise here would turn tracing off)."""
    if event in ("line", "call") and is_learner_code(frame.f_code.co_filename):
        _raise_in_main_thread()
    return _killer


def _arm_killer(frame, top) -> None:
    """Traces the main thread's stack from ``frame`` up to ``top`` (the frame that set the limit, excluded)."""
    sys.settrace(_killer)
    while frame is not None and frame is not top:
        if is_learner_code(frame.f_code.co_filename):
            frame.f_trace, frame.f_trace_lines = _killer, True
        frame = frame.f_back


def _raise_in_main_thread() -> None:
    """Schedules :class:`LimitReached` in the main thread. (Never called with NULL to cancel one: on
    CPython 3.11 that leaves the interpreter's "pending" flag set, and every later bytecode slow.)"""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.main_thread().ident),
                                               ctypes.py_object(LimitReached))


def _watch(state: dict, done: threading.Event, handler) -> None:
    """The watchdog: keeps the alarm armed past the limit, and says when compiled code cannot be stopped."""
    while not done.wait(REPEAT_S):
        late = time.monotonic() - state["deadline"]
        if late < REPEAT_S:
            continue
        if not state["active"]:
            return
        if signal.getitimer(signal.ITIMER_REAL)[0] == 0:  # the learner's code turned the alarm off
            signal.setitimer(signal.ITIMER_REAL, REPEAT_S / 4, REPEAT_S)
        if signal.getsignal(signal.SIGALRM) is not handler and state["active"]:  # ... or replaced its handler
            _raise_in_main_thread()
        if late > 1.0 and not state["told"]:
            state["told"] = True
            print(f"✗ {state['name']} is still running {late:.0f} s past its time limit of {state['seconds']:g} s, "
                  "inside compiled code that Python cannot interrupt (e.g. a tf.while_loop or tf.function loop "
                  "whose condition never becomes False). Interrupt the kernel (■) or restart it, then look for a "
                  "loop that never ends.", file=state["stderr"], flush=True)


@contextlib.contextmanager
def time_limit(seconds: float, name: str = "your function"):
    """Raises :class:`LimitReached` in the body after ``seconds`` (main thread on POSIX only).

    Elsewhere (a thread, Windows) there is no portable way to interrupt Python code, so the body
    simply runs without a limit.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    state = {"deadline": time.monotonic() + seconds, "seconds": seconds, "name": name, "told": False,
             "active": True, "stderr": sys.stderr, "top": sys._getframe(2)}  # 2: the `with` statement's frame
    previous_trace = sys.gettrace()

    def on_alarm(signum, frame):
        if state["active"]:
            sys.setprofile(None)  # a profiler (the checks' refuse_reference) and the tracer do not mix
            _arm_killer(frame, state["top"])
            raise LimitReached

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_S)
    done = threading.Event()
    watchdog = threading.Thread(target=_watch, args=(state, done, on_alarm), daemon=True, name="time-limit")
    watchdog.start()
    try:
        yield
    finally:
        for _ in range(10):  # a LimitReached scheduled by the tracer may still arrive while we clean up
            try:
                sys.settrace(previous_trace)  # the tracer schedules no more; one still pending arrives here
                state["active"] = False
                done.set()
                watchdog.join()  # before the alarm is turned off: the watchdog turns it back on
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except LimitReached:
                continue
