"""Undoing what a learner's code changed, so that a check judges with the genuine functions (issues 20, 25).

The process has one :class:`~vae_course.grading.integrity.ModuleGuard` (:func:`guard`), made when the
first check module is imported (in the grader: before any learner code runs), and its sealed restore
(:meth:`ModuleGuard.sealed`), which learner code that rebinds or rewrites the undoing cannot switch off.
The checks get it from :func:`undoer` when they start, keep it in a local variable and call it before
each check and after every call of the learner's function (:mod:`vae_course.checks.harness`), and
after using the objects the learner's function returned (:func:`settler`: a network's layers, a
distribution's methods). The grader's worker gets it from :func:`strict`.
"""
from __future__ import annotations

from vae_course.grading.integrity import ModuleGuard

__all__ = ["RESTORE_AFTER_EACH_CALL", "guard", "strict", "undoer", "sealed_undo", "settler"]

# Undo what learner code changed after every call of the learner's function (about 15 ms a call when nothing
# changed), not only before each check. Under the grader always (strict(); this setting is then ignored); in
# a notebook by default. The tests of the checks' judgements turn it off for speed: it changes nothing for
# answers that patch nothing, and the tests of the restore itself run with it on.
RESTORE_AFTER_EACH_CALL = True
_GUARDS: list = []  # the process's one ModuleGuard, made on first use
_SEALED: list = []  # the guard's sealed restore (ModuleGuard.sealed), made with the guard


def guard() -> ModuleGuard:
    """The process's :class:`ModuleGuard`: a snapshot taken the first time (the grader: before learner code)."""
    if not _GUARDS:
        _GUARDS.append(ModuleGuard(exempt={"vae_course.checks.harness.TIME_LIMIT_S",  # settings, left as they are
                                           f"{__name__}.RESTORE_AFTER_EACH_CALL"}))
        _SEALED.append(_GUARDS[0].sealed())
    return _GUARDS[0]


def strict():
    """The grader's worker, before any learner code: takes the snapshot now and returns the sealed restore
    (:func:`sealed_undo`), which it keeps in a local and calls before and after each check cell."""
    global _GRADER
    _GRADER = True  # taken into the snapshot, from which undoer() reads it: learner code cannot unset it
    guard().adopt(__name__, "_GRADER")
    return sealed_undo()


def undoer():
    """The function that undoes what learner code changes from now on (about 15 ms when nothing changed):
    the sealed restore, which the learner's code cannot rebind or rewrite.

    The checks call it after every call of the learner's function, in a notebook and under the grader
    alike. Get it when nothing of the learner's has run since the last restore (a check's start, just
    before a call), and keep it in a local variable: learner code can rebind module attributes, not a
    check's locals.
    """
    if not (RESTORE_AFTER_EACH_CALL or guard().modules[__name__][2].get("_GRADER")):
        return _nothing
    return sealed_undo()


def sealed_undo():
    """The sealed restore in a closure of its own, its code kept: what :func:`undoer` and checks' starts call."""
    guard()
    heal = _SEALED[0]
    code = heal.__code__

    def undo() -> list:
        heal.__code__ = code  # in case the learner's code rewrote the function's code in place
        return heal()

    return undo


def _nothing() -> list:
    return []


def settler():
    """A check's ``settle`` (see :func:`undoer`): called after the learner's *objects* ran (a network's layers, a
    distribution's methods) and before the check decides anything from their output. Bind it at the check's
    start, in a local."""
    return undoer()

