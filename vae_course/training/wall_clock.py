"""Where the wall time of a training run goes (lesson 08).

``vae-course train`` charges every second of the run to one phase, so that its last lines and
the report can say what a learner waited for: start-up (importing TensorFlow, loading MNIST,
building the model), train steps, the per-epoch test ELBO, samples and checkpoints, the final
bound, and the figures and report.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from vae_course.training.progress import format_seconds

__all__ = ["PHASES", "WallClock", "describe_split"]

PHASES = ("start-up", "train steps", "per-epoch evaluation", "final bound", "figures and report")


class WallClock:
    """Wall time of a run, split into phases. The time before the first phase is start-up; what no
    phase claims after it is "other" (e.g. the loop's own Python, printing).

    Args:
        started: ``clock()`` value when the run started (default: now).
        clock: a function returning seconds (tests pass a fake clock).
    """

    def __init__(self, started: float | None = None, clock=time.perf_counter):
        self.clock = clock
        self.started = clock() if started is None else started
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self._first = None  # clock() when the first phase after start-up began

    @contextmanager
    def phase(self, name: str):
        """``with clock.phase("final bound"):`` charges the block's time to that phase."""
        if name not in PHASES:
            raise ValueError(f"unknown phase {name!r}; expected one of {PHASES}.")
        t0 = self.clock()
        if self._first is None and name != "start-up":
            self._first = t0
            self.seconds["start-up"] += t0 - self.started
        try:
            yield
        finally:
            self.seconds[name] += self.clock() - t0

    def add(self, name: str, seconds: float) -> None:
        """Charges ``seconds`` measured elsewhere to ``name`` (e.g. train steps timed by the loop)."""
        if name not in PHASES:
            raise ValueError(f"unknown phase {name!r}; expected one of {PHASES}.")
        self.seconds[name] += seconds

    def split(self) -> dict:
        """Seconds per phase, plus "other" and "wall" (their sum); all >= 0."""
        wall = self.clock() - self.started
        split = dict(self.seconds)
        split["other"] = max(0.0, wall - sum(split.values()))
        split["wall"] = wall
        return split


def describe_split(split: dict) -> str:
    """One line: ``wall time 3:05 (185 s): train steps 150 s (81 %), start-up 6 s (3 %), ...``."""
    wall = max(split["wall"], 1e-9)
    parts = [f"{name} {split[name]:.0f} s ({100 * split[name] / wall:.0f} %)"
             for name in (*PHASES, "other") if name in split]
    return f"wall time {format_seconds(wall)} ({wall:.0f} s): " + ", ".join(parts)
