"""Naming the right cause when a learner's float math meets an integer tensor (all lessons' TensorFlow checks).

``tf.math.log(tf.shape(w)[0])`` fails with "Value for attr 'T' of int32 is not in the list of allowed
values: ..., double, ...": the word "double" there is not a float64 mix-up. :func:`name_integer_dtypes`
decorates a check so that such a failure says what happened: an integer reached a float operation.
"""
from __future__ import annotations

import functools
import re

from vae_course.checks.harness import CheckFailed

__all__ = ["INTEGER_DTYPE", "ADVICE", "name_integer_dtypes"]

INTEGER_DTYPE = re.compile(r"of '?(u?int\d+)'? is not in the list of allowed values|is an? (u?int\d+) tensor")
ADVICE = (" An integer tensor ({dtype}) reached a float operation: a count such as tf.shape(...)[0], len(...) or a "
          "Python int becomes an integer tensor. Convert it with tf.cast(..., tf.float32) first.")
_FLOAT64_CAUSE = re.compile(r" You are mixing float64 .*?\.\)?(?=\n|$)")


def name_integer_dtypes(check):
    """Decorates ``check(fn)``: a failure caused by an integer tensor in float math gets that cause, not float64's."""

    @functools.wraps(check)
    def wrapper(fn):
        __tracebackhide__ = True
        try:
            return check(fn)
        except CheckFailed as err:
            message = str(err)
            found = INTEGER_DTYPE.search(message)
            if not found:
                raise
            advice = ADVICE.format(dtype=found.group(1) or found.group(2))
            head, sep, rest = message.partition("\nIt was called with")
            if not sep:
                raise type(err)(_FLOAT64_CAUSE.sub("", message) + advice) from None
            end = rest.find("\n") if "\n" in rest else len(rest)
            raise type(err)(head + sep + _FLOAT64_CAUSE.sub("", rest[:end]) + advice + rest[end:]) from None

    return wrapper
