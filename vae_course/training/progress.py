"""A small text progress bar for training: loss, images per second and time left (lesson 08)."""
from __future__ import annotations

import sys
import time

__all__ = ["format_seconds", "ProgressBar"]


def format_seconds(seconds: float) -> str:
    """``75.2`` -> ``'1:15'``; hours when needed (``'1:02:03'``)."""
    seconds = int(round(max(seconds, 0.0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """One line per epoch, redrawn in place on a terminal, printed every ~10% otherwise.

    Args:
        total: steps in the epoch. images_per_step: batch size (for images/s).
        prefix: text in front, e.g. "epoch 3/10". stream: where to write (default stderr).
        clock: a function returning seconds (tests pass a fake clock).
    """

    width = 24

    def __init__(self, total, images_per_step, prefix="", stream=None, clock=time.perf_counter, start=0):
        self.total, self.images_per_step, self.prefix = total, images_per_step, prefix
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.step = start
        self.t0 = clock()
        self._first = None  # (clock, step) after the first update: the first call of a step includes tracing
        self.interactive = getattr(self.stream, "isatty", lambda: False)()
        self._last_decile = -1

    def line(self, loss: float) -> str:
        """Images/s and time left count the updates after the first one, whose step may have been
        traced (compiled) first and so says little about the speed of the others."""
        filled = int(self.width * self.step / self.total)
        bar = "=" * filled + (">" if filled < self.width else "") + " " * (self.width - filled - 1)
        speed = "? img/s ETA ?"
        if self._first is not None and self.step > self._first[1]:
            t_first, step_first = self._first
            done = self.step - step_first
            elapsed = max(self.clock() - t_first, 1e-9)
            rate = done * self.images_per_step / elapsed
            speed = f"{rate:,.0f} img/s ETA {format_seconds((self.total - self.step) * elapsed / done)}"
        return f"{self.prefix} [{bar[:self.width]}] {self.step}/{self.total} loss {loss:.2f} {speed}"

    def update(self, loss: float, steps: int = 1) -> None:
        self.step += steps
        if self._first is None:
            self._first = (self.clock(), self.step)
        if self.interactive:
            self.stream.write("\r" + self.line(loss))
        else:
            decile = 10 * self.step // self.total
            if decile != self._last_decile and decile < 10:
                self._last_decile = decile
                self.stream.write(self.line(loss) + "\n")
        self.stream.flush()

    def close(self, summary: str = "") -> None:
        """Ends the line; ``summary`` (e.g. the epoch's test ELBO) is appended."""
        elapsed = self.clock() - self.t0
        text = f"{self.prefix} done in {format_seconds(elapsed)}" + (f"  {summary}" if summary else "")
        self.stream.write(("\r" + " " * 100 + "\r" if self.interactive else "") + text + "\n")
        self.stream.flush()
