"""Calling a learner's function safely: time limit, copies of the inputs, errors turned into hints.

Every check of the exercises calls the learner's code through :func:`call`. Whatever goes
wrong there (an exception, ``NotImplementedError`` from the stub, a function that never
returns, one that changes its inputs in place) becomes a :class:`CheckFailed`, an
``AssertionError`` whose message is a hint in the learner's terms and that Jupyter shows
without the checker's own traceback.
"""
from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading

import numpy as np

from vae_course.checks.errors import describe_error, fmt_shape  # noqa: F401 (fmt_shape: used by the checks)
from vae_course.checks.hints import hint_call

__all__ = ["TIME_LIMIT_S", "CheckFailed", "time_limit", "checked", "refuse_reference", "success", "call"]

TIME_LIMIT_S = 5.0  # default seconds a learner's function may take per call


class CheckFailed(AssertionError):
    """A wrong answer: the message says what is wrong and what to try, never the solution."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return ["\x1b[31m✗ " + line + "\x1b[0m" for line in str(self).splitlines()]


class _Timeout(BaseException):
    """Raised by the alarm inside a learner's function; BaseException so `except Exception` lets it pass."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupts the body after ``seconds`` with :class:`_Timeout` (main thread on POSIX only).

    Elsewhere (a thread, Windows) there is no portable way to interrupt Python code, so the body
    simply runs without a limit.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_MISSING = object()


def checked(name: str):
    """Decorates ``check_<name>(fn)``: every failure message ends with the hint call to try next.

    Called without an argument (as the exercise notebooks do), the check looks ``name`` up in the
    caller's globals, so that a cell that failed to define it (a SyntaxError, say) gets a hint here
    instead of a second, raw NameError.
    """

    def decorate(check):
        @functools.wraps(check)
        def wrapper(fn=_MISSING):
            __tracebackhide__ = True
            if fn is _MISSING:
                fn = sys._getframe(1).f_globals.get(name, _MISSING)
            try:
                if fn is _MISSING:
                    raise CheckFailed(f"{name} is not defined: run the cell with your function first. If that cell "
                                      "showed an error (a SyntaxError, say), fix it and run it again.")
                return check(fn)
            except CheckFailed as err:
                message = str(err)
                raise CheckFailed(message if message.endswith(hint_call(name)) else
                                  f"{message}\n{hint_call(name)}") from None

        return wrapper

    return decorate


def refuse_reference(fn, name: str, args: dict, references) -> None:
    """Fails when calling ``fn`` runs one of the package's ``references`` (the answer, imported, or wrapped).

    Runs ``fn`` once under a profiler that records the code objects called (aliases and thin wrappers
    included); other errors are left to the check proper.
    """
    codes = {getattr(r, "__code__", None) for r in references} - {None}
    seen = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            seen.append(frame.f_code.co_name)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        with time_limit(TIME_LIMIT_S):
            fn(*args.values())
    except (Exception, _Timeout):  # noqa: BLE001 (judged later, by the check itself)
        pass
    finally:
        sys.setprofile(previous)
    if seen:
        raise CheckFailed(f"{name} calls the package's own {seen[0]} (vae_course's reference answer): that passes "
                          "any check but teaches nothing. Write the computation yourself with TensorFlow ops.")


def success(name: str, what: str) -> None:
    """Prints the single line that tells the learner the exercise is solved."""
    print(f"✓ {name}: {what}")


def call(fn, name: str, args: dict, *, seconds: float | None = None):
    """Calls ``fn(*args.values())`` on copies of NumPy inputs and returns its result.

    Args:
        fn: the learner's function.
        name: its name, for messages.
        args: argument name -> value, in call order.
        seconds: time limit for this call (default :data:`TIME_LIMIT_S`).

    Raises:
        CheckFailed: with a hint when ``fn`` is not a function, raises, runs too long, or
            changes one of its NumPy inputs in place.
    """
    if not callable(fn):
        raise CheckFailed(f"{name} should be a function, got {type(fn).__name__}: pass the function itself, "
                          f"check_{name}({name}), without calling it.")
    seconds = TIME_LIMIT_S if seconds is None else seconds
    copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    try:
        with time_limit(seconds):
            result = fn(*copies.values())
    except _Timeout:
        raise CheckFailed(f"{name} did not return within {seconds:g} s. Look for a loop that never ends "
                          "(a `while` whose condition never changes) or for work far bigger than needed.") from None
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet: replace the stub line `raise NotImplementedError(...)` "
                          "with your code, run that cell, then run this check again.") from None
    except CheckFailed:
        raise
    except Exception as err:  # noqa: BLE001 (the learner's bug: report it as a hint, not as our traceback)
        raise CheckFailed(describe_error(err, name, args)) from None
    for key, value in args.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, copies[key], equal_nan=value.dtype.kind == "f"):
            raise CheckFailed(f"{name} changed its input `{key}` in place (e.g. with `{key}[...] = ...` or "
                              f"`{key} /= ...`). Leave the caller's array as it is and build a new one.")
    return result
