"""Turning an exception from a learner's code into a hint: what, where (their line), and a likely cause.

Used by :func:`vae_course.checks.harness.call` (all lessons' checks).
"""
from __future__ import annotations

import linecache
import sys
import traceback
from pathlib import Path

__all__ = ["describe_error", "fmt_shape"]

_LIBRARY_MARKERS = ("site-packages", "dist-packages", f"{Path(sys.prefix).name}/lib", "/lib/python3",
                    "__autograph_generated")
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
_HARNESS = Path(__file__).resolve().with_name("harness.py")


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
    at_call = bool(frames) and Path(frames[-1].filename).resolve() == _HARNESS  # raised while binding fn's own arguments
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
