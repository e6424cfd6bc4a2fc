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
import linecache
import signal
import sys
import threading
import traceback
from pathlib import Path

import numpy as np

from vae_course.checks.hints import hint_call

TIME_LIMIT_S = 5.0  # default seconds a learner's function may take per call
_LIBRARY_MARKERS = ("site-packages", "dist-packages", f"{Path(sys.prefix).name}/lib", "/lib/python3",
                    "__autograph_generated")
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


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
    except BaseException:  # noqa: BLE001 (judged later by the check itself)
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
    except Exception as err:  # the learner's bug: report it as a hint, not as our traceback
        raise CheckFailed(describe_error(err, name, args)) from None
    for key, value in args.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, copies[key], equal_nan=value.dtype.kind == "f"):
            raise CheckFailed(f"{name} changed its input `{key}` in place (e.g. with `{key}[...] = ...` or "
                              f"`{key} /= ...`). Leave the caller's array as it is and build a new one.")
    return result


def describe_error(err: Exception, name: str, args: dict) -> str:
    """A hint for an exception raised by the learner's code: what, where, and a likely cause."""
    message = " ".join(str(err).split())
    if len(message) > 300:
        message = message[:300] + " ..."
    shapes = ", ".join(f"{k} {_shape_of(v)}" for k, v in args.items())
    text = f"{name} raised {type(err).__name__}: {message}{_where(err)}\nIt was called with {shapes}."
    return text + _likely_cause(err, name, args, message.lower())


_IMPORTS = {"np": "numpy as np", "tf": "tensorflow as tf", "tfp": "tensorflow_probability as tfp",
            "math": "math", "tfd": "tensorflow_probability as tfp (then tfd = tfp.distributions)"}


def _likely_cause(err: Exception, name: str, args: dict, lowered: str) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    at_call = bool(frames) and frames[-1].filename == __file__  # raised while binding fn's own arguments
    if "double" in lowered or "float64" in lowered:
        return (" You are mixing float64 (NumPy's default) with float32 tensors: keep everything float32 "
                "(Python numbers are fine; avoid np.float64 arrays).")
    if "no gradients provided" in lowered:
        return (" The tape recorded nothing that leads from the weights to your loss: run the whole forward pass "
                "(encoder, sampling, decoder and the loss) inside the tape's `with` block.")
    if "must hold only 0 and 1" in lowered:
        return (" A function that expects the binary images x received other values: check the order of your "
                "arguments (the images x first, the logits second).")
    if isinstance(err, TypeError) and "argument" in lowered:
        if at_call:
            return f" {name} must take exactly these arguments, in this order: ({', '.join(args)})."
        if "reparameterize" in lowered:
            return (" The package's model.reparameterize(mean, logvar, eps) takes the noise eps as its third "
                    "argument (the TensorFlow tutorial's draws it inside): draw eps yourself and pass it.")
        return " A function you call got arguments it does not take: read its signature with help(...)."
    if isinstance(err, NameError):
        missing = getattr(err, "name", None) or (lowered.split("'")[1] if lowered.count("'") >= 2 else "")
        if missing in _IMPORTS:
            return (f" `{missing}` is not imported in this notebook: add `import {_IMPORTS[missing]}` to your cell, "
                    "or use what the first cell imports.")
        return " A name is not defined: check its spelling, and run the cells above this one first."
    if "incompatible shapes" in lowered or "shape" in lowered:
        return " Two operands have shapes that do not fit together: print the shapes of your intermediate values."
    return ""


def fmt_shape(shape) -> str:
    """(3, 4) -> '(3, 4)', (3,) -> '(3,)', () -> '()'."""
    shape = tuple(shape)
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _shape_of(value) -> str:
    shape = getattr(value, "shape", None)
    return f"({type(value).__name__})" if shape is None else "shape " + fmt_shape(shape)


def _where(err: Exception) -> str:
    """' (your code, line N: `...`)' for the innermost frame outside libraries and this package."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not f.filename.startswith(_PACKAGE_DIR) and not any(m in f.filename for m in _LIBRARY_MARKERS)]
    if not frames:
        return ""
    frame = frames[-1]
    line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f" (your code, line {frame.lineno}: `{line}`)" if line else f" (your code, line {frame.lineno})"
