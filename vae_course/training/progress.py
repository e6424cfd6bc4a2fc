"""A small text progress bar: value, images per second, time left in the phase and in the run (lesson 08).

A run is more than its train steps (start-up, evaluations, the final bound, figures), so each bar can
show the ETA of the whole run: the time left in its own phase plus ``later(seconds_per_step)``,
what the caller expects the rest of the run to take at the bar's measured speed. :class:`RunProgress`
is that bookkeeping for ``fit``: one bar per epoch, and the measured time of an evaluation.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager

__all__ = ["format_seconds", "ProgressBar", "RunProgress"]


def format_seconds(seconds: float) -> str:
    """``75.2`` -> ``'1:15'``; hours when needed (``'1:02:03'``)."""
    seconds = int(round(max(seconds, 0.0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """One line per phase (e.g. an epoch), redrawn in place on a terminal, printed every ~10% otherwise.

    Args:
        total: steps in the phase. images_per_step: images per step (for images/s).
        prefix: text in front, e.g. "epoch 3/10". stream: where to write (default stderr).
        clock: a function returning seconds (tests pass a fake clock).
        start: steps already done (a resumed epoch).
        later: ``later(seconds_per_step) -> seconds`` the run needs after this phase; when given,
            the line shows the run's ETA too. value_name: what ``update``'s value is ("loss").
    """

    width = 24

    def __init__(self, total, images_per_step, prefix="", stream=None, clock=time.perf_counter, start=0, later=None,
                 value_name="loss"):
        self.total, self.images_per_step, self.prefix = total, images_per_step, prefix
        self.stream = stream if stream is not None else sys.stderr
        self.clock, self.later, self.value_name = clock, later, value_name
        self.step = start
        self.t0 = clock()
        self._first = None  # (clock, step) after the first update: the first call of a step includes tracing
        self.interactive = getattr(self.stream, "isatty", lambda: False)()
        self._last_decile = -1

    def seconds_per_step(self) -> float | None:
        """Measured over the updates after the first one (whose step may have been traced), or None."""
        if self._first is None or self.step <= self._first[1]:
            return None
        t_first, step_first = self._first
        return max(self.clock() - t_first, 1e-9) / (self.step - step_first)

    def line(self, value: float | None = None) -> str:
        filled = int(self.width * self.step / self.total)
        bar = "=" * filled + (">" if filled < self.width else "") + " " * (self.width - filled - 1)
        sps = self.seconds_per_step()
        speed = "? img/s ETA ?"
        if sps is not None:
            left = (self.total - self.step) * sps
            speed = f"{self.images_per_step / sps:,.0f} img/s ETA {format_seconds(left)}"
            if self.later is not None:
                speed += f" (run {format_seconds(left + self.later(sps))})"
        shown = f" {self.value_name} {value:.2f}" if value is not None else ""
        return f"{self.prefix} [{bar[:self.width]}] {self.step}/{self.total}{shown} {speed}"

    def update(self, value: float | None = None, steps: int = 1) -> None:
        self.step += steps
        if self._first is None:
            self._first = (self.clock(), self.step)
        if self.interactive:
            self.stream.write("\r" + self.line(value))
        else:
            decile = 10 * self.step // self.total
            if decile != self._last_decile and decile < 10:
                self._last_decile = decile
                self.stream.write(self.line(value) + "\n")
        self.stream.flush()

    def close(self, summary: str = "") -> None:
        """Ends the line; ``summary`` (e.g. the epoch's test ELBO) is appended."""
        elapsed = self.clock() - self.t0
        text = f"{self.prefix} done in {format_seconds(elapsed)}" + (f"  {summary}" if summary else "")
        self.stream.write(("\r" + " " * 100 + "\r" if self.interactive else "") + text + "\n")
        self.stream.flush()


class RunProgress:
    """The progress bars of a training run, with the run's ETA (what ``fit`` reports while it trains).

    Args:
        config: the run's TrainConfig (epochs, steps per epoch, batch size).
        epoch_test_images: images of the per-epoch evaluation (before one is timed, it is guessed
            to take a third of the time of training on as many images).
        stream: where the bars write (default stderr).
        work_after_fit: what the caller does after ``fit`` (final bound, figures), in units of one
            per-epoch evaluation.
    """

    def __init__(self, config, epoch_test_images: int, stream=None, work_after_fit: float = 0.0):
        self.config, self.epoch_test_images = config, epoch_test_images
        self.stream, self.work_after_fit = stream, work_after_fit
        self.eval_seconds = None  # the last per-epoch evaluation's measured time

    def epoch_bar(self, epoch: int, start: int = 0) -> ProgressBar:
        """The bar of epoch ``epoch`` (from 0), resumed at step ``start``."""
        c = self.config
        return ProgressBar(c.steps_per_epoch(), c.batch_size, prefix=f"epoch {epoch + 1}/{c.epochs}",
                           stream=self.stream, start=start, later=lambda sps: self.after_epoch(epoch, sps))

    def after_epoch(self, epoch: int, seconds_per_step: float) -> float:
        """Seconds the run needs after epoch ``epoch``'s train steps, at ``seconds_per_step``."""
        c = self.config
        per_eval = (self.eval_seconds if self.eval_seconds is not None
                    else self.epoch_test_images / c.batch_size * seconds_per_step / 3)
        epochs_left = c.epochs - epoch - 1
        return epochs_left * c.steps_per_epoch() * seconds_per_step + (epochs_left + 1 + self.work_after_fit) * per_eval

    @contextmanager
    def evaluation(self):
        """``with progress.evaluation():`` times one per-epoch evaluation, for the ETA of later epochs."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.eval_seconds = time.perf_counter() - t0
