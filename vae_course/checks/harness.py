"""Calling a learner's function safely: time limit, copies of the inputs, errors turned into hints.

Every check of the exercises calls the learner's code through :func:`call`. Whatever goes
wrong there (an exception, ``NotImplementedError`` from the stub, a function that never
returns, one that changes its inputs in place) becomes a :class:`CheckFailed`, an
``AssertionError`` whose message is a hint in the learner's terms and that Jupyter shows
without the checker's own traceback.

Integrity (issues 20 and 25): a :class:`~vae_course.grading.integrity.ModuleGuard`, made at the first
check (in the grader: before any learner code runs), puts back whatever the learner's code changed
in numpy, TensorFlow, builtins or vae_course before each check and after every call of the learner's
function (in a notebook and under the grader alike), so that the check judges with the genuine functions,
even when that code rebound the undoing itself (``ModuleGuard.sealed``); an ndarray subclass is judged as a plain array, and an object
that lies about its class is refused. The time limit (:mod:`vae_course.grading.timelimit`) cannot be
swallowed by a bare ``except:`` nor turned off with ``signal.setitimer``.
"""
from __future__ import annotations

import functools
import sys

import numpy as np

from vae_course.checks.errors import describe_error, fmt_shape  # noqa: F401 (fmt_shape: used by the checks)
from vae_course.checks.hints import hint_call
from vae_course.checks.undoing import guard, sealed_undo, settler, strict, undoer
from vae_course.grading.timelimit import LimitReached, time_limit

__all__ = ["TIME_LIMIT_S", "CheckFailed", "CheckTimedOut", "time_limit", "guard", "strict", "undoer", "settler", "checked",
           "refuse_reference", "success", "call"]

TIME_LIMIT_S = 5.0  # default seconds a learner's function may take per call


class CheckFailed(AssertionError):
    """A wrong answer: the message says what is wrong and what to try, never the solution."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return ["\x1b[31m✗ " + line + "\x1b[0m" for line in str(self).splitlines()]


class CheckTimedOut(CheckFailed):
    """The learner's function did not return within its time limit (the grader's verdict: timeout)."""


_Timeout = LimitReached  # the name the checks' tests knew
def _timeout_message(name: str, seconds: float) -> str:
    return (f"{name} did not return within {seconds:g} s. Look for a loop that never ends (a `while` whose "
            "condition never changes) or for work far bigger than needed.")


def _plain(result, name: str):
    """``result`` as the check may judge it: an ndarray subclass as a plain array; a lying object refused."""
    cls = type(result)
    if cls is np.ndarray or result is None or cls in (int, float, bool, str, tuple, list):
        return result
    if getattr(result, "__class__", cls) is not cls:
        raise CheckFailed(f"{name} returned an object whose __class__ claims to be something it is not "
                          f"({cls.__name__}): return a plain result (a tf.Tensor or a numpy array).")
    if isinstance(result, np.ndarray):  # its comparisons, dtype and shape may be the learner's own code
        return np.array(result, subok=False, copy=True)
    tensor = getattr(sys.modules.get("tensorflow"), "Tensor", None)
    if tensor is not None and isinstance(result, tensor) and not cls.__module__.startswith("tensorflow"):
        raise CheckFailed(f"{name} returned an object of your own class {cls.__name__} (a subclass of tf.Tensor): "
                          "return the tf.Tensor that TensorFlow's operations give.")
    return result


_MISSING = object()


def checked(name: str):
    """Decorates ``check_<name>(fn)``: every failure message ends with the hint call to try next.

    Called without an argument (as the exercise notebooks do), the check looks ``name`` up in the
    caller's globals, so that a cell that failed to define it (a SyntaxError, say) gets a hint here
    instead of a second, raw NameError.
    """

    guard().extend()  # run as each check module is imported: the snapshot holds what it imported, before any answer

    def decorate(check):
        undo = sealed_undo()  # bound as the check module is imported, before the answers: rebinding cannot stop it

        @functools.wraps(check)
        def wrapper(fn=_MISSING):
            __tracebackhide__ = True
            undo()  # what an answer cell changed at its top level is undone before the check starts
            if fn is _MISSING:
                fn = sys._getframe(1).f_globals.get(name, _MISSING)
            try:
                if fn is _MISSING:
                    raise CheckFailed(f"{name} is not defined: run the cell with your function first. If that cell "
                                      "showed an error (a SyntaxError, say), fix it and run it again.")
                return check(fn)
            except CheckFailed as err:
                message = str(err)
                raise type(err)(message if message.endswith(hint_call(name)) else  # CheckTimedOut stays one
                                f"{message}\n{hint_call(name)}") from None

        return wrapper

    return decorate


def refuse_reference(fn, name: str, args: dict, references, *, seconds: float | None = None) -> None:
    """Fails when calling ``fn`` runs one of the package's ``references`` (the answer, imported, or wrapped).

    Runs ``fn`` once under a profiler that records the code objects called (aliases and thin wrappers
    included); other errors are left to the check proper. ``seconds``: its time limit (default
    :data:`TIME_LIMIT_S`; a first call that traces, as ``train_step``'s, gets what the check gives it).
    """
    codes = {getattr(r, "__code__", None) for r in references} - {None}
    seen = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            seen.append(frame.f_code.co_name)

    seconds = TIME_LIMIT_S if seconds is None else seconds
    undo = undoer()  # bound before the learner's code runs: it cannot switch this off
    previous = sys.getprofile()
    sys.setprofile(profile)
    timed_out = False
    try:
        with time_limit(seconds, name):
            fn(*args.values())
    except LimitReached:
        timed_out = True
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            raise
    finally:
        sys.setprofile(previous)
        undo()
    if timed_out:  # reported now: the check proper would wait for the same limit a second time
        raise CheckTimedOut(_timeout_message(name, seconds))
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
    undo = undoer()  # bound before the learner's code runs: it cannot switch this off
    try:
        try:
            with time_limit(seconds, name):
                result = _plain(fn(*copies.values()), name)
        finally:
            undo()  # whatever the call did to numpy, TensorFlow, builtins or vae_course is undone
    except LimitReached:
        raise CheckTimedOut(_timeout_message(name, seconds)) from None
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet: replace the stub line `raise NotImplementedError(...)` "
                          "with your code, run that cell, then run this check again.") from None
    except CheckFailed:
        raise
    except SystemExit as err:
        raise CheckFailed(f"{name} raised SystemExit ({err.code!r}): sys.exit(), exit() or quit() ends a program, "
                          "not a function. Return the result instead.") from None
    except KeyboardInterrupt:
        raise  # the learner pressed stop
    except BaseException as err:  # noqa: BLE001 (the learner's bug: report it as a hint, not our traceback)
        message = describe_error(err, name, args)
        undo()  # describing it may have run the learner's __str__
        raise CheckFailed(message) from None
    for key, value in args.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, copies[key], equal_nan=value.dtype.kind == "f"):
            raise CheckFailed(f"{name} changed its input `{key}` in place (e.g. with `{key}[...] = ...` or "
                              f"`{key} /= ...`). Leave the caller's array as it is and build a new one.")
    return result
