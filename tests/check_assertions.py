"""Assertions shared by the tests of the exercise checks."""
import re

import pytest


def assert_rejected(check, fn, phrase):
    """``check(fn)`` raises an AssertionError naming ``phrase``, with no exception chained to it."""
    with pytest.raises(AssertionError) as info:
        check(fn)
    assert phrase in str(info.value), f"expected a hint containing {phrase!r}, got: {info.value}"
    assert re.search(r'hint\("\w+"\) \(from vae_course.hints import hint\) for the next hint\.$', str(info.value)), (
        f"the message does not end with the hint call to try next: {info.value}")
    error = info.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def assert_accepted(check, fn, name, capsys):
    assert check(fn) is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"✓ {name}: "), lines
