"""Tiered hints for the exercises (all lessons): ``from vae_course.hints import hint``.

``hint("kl_standard_normal")`` prints the next hint for that exercise, one level more each call:
level 1 the idea, level 2 the key step, level 3 the formula (never code). ``hint(name, level=k)``
prints level k. A failing check ends its message with the call to try next. The texts live in
:mod:`vae_course.hint_texts` (plain text: importing this module does not import TensorFlow).
"""
from __future__ import annotations

from vae_course.hint_texts import HINTS, hint_call

__all__ = ["HintBook", "hint", "hint_call"]
LEVEL_NAMES = {1: "the idea", 2: "the key step", 3: "the formula"}


class HintBook:
    """Hint texts and, per exercise, how many levels were shown (so each call shows the next one)."""

    def __init__(self, hints: dict):
        self.hints = hints
        self.shown: dict = {}

    def text(self, name: str, level: int | None = None) -> str:
        """The hint of ``name`` at ``level`` (default: the next one not shown yet, the last one again after that).

        Raises:
            KeyError: for an unknown exercise name, with the list of names.
            ValueError: for a level that does not exist.
        """
        if name not in self.hints:
            raise KeyError(f"no exercise called {name!r}; the exercises with hints are: {', '.join(self.hints)}.")
        levels = self.hints[name]
        if level is None:
            level = min(self.shown.get(name, 0) + 1, len(levels))
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(levels):
            raise ValueError(f"{name} has hint levels 1 to {len(levels)}, got level={level!r}: call "
                             f'hint("{name}") for the next level, or hint("{name}", level=k) with k from 1 to '
                             f"{len(levels)}.")
        self.shown[name] = max(self.shown.get(name, 0), level)
        label = LEVEL_NAMES.get(level, f"level {level}")
        more = (f' (hint("{name}") again for level {level + 1})' if level < len(levels) else " (the last level)")
        return f"Hint {level}/{len(levels)} for {name}, {label}{more}:\n{levels[level - 1]}"

    def __call__(self, name: str, level: int | None = None) -> None:
        """Prints the next hint for ``name`` (or the given ``level``); an unknown name or level says what exists."""
        try:
            print(self.text(name, level))
        except (KeyError, ValueError) as err:
            print(err.args[0])


hint = HintBook(HINTS)
