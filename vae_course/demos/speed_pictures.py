"""Pictures of lesson 10: the presets' learning-rate schedules, and the benchmark's time-to-quality curve.

* :func:`learning_rate_curve` reads the rate a preset's optimizer uses at each step, from the
  optimizer that ``training.build`` makes (the schedule itself, not a copy of its formula).
* :func:`plot_learning_rates` draws those curves against the epoch.
* :func:`plot_benchmark_curve` draws the course preset's test ELBO against its train-step time from
  ``benchmarks/results/train_speed.json``, next to the tutorial preset's final test ELBO and time.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["learning_rate_curve", "plot_learning_rates", "plot_benchmark_curve"]


def learning_rate_curve(config, points=200):
    """(epochs, rates): the learning rate of ``config``'s optimizer at ``points`` steps of its run.

    Args:
        config: a ``training.TrainConfig``.
        points: how many evenly spaced steps, from the first to the last, to read.

    Returns:
        Two float64 arrays (points,): the step as a fraction of epochs, and the rate at that step.
    """
    from vae_course import training

    if not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be an int >= 2, got {points!r}.")
    _, optimizer = training.build(config)
    per_epoch = config.steps_per_epoch()
    steps = np.unique(np.linspace(0, config.epochs * per_epoch - 1, points).round().astype(int))
    rates = []
    for k in steps:
        optimizer.iterations.assign(int(k))
        rates.append(float(optimizer.learning_rate))
    return steps / per_epoch, np.asarray(rates)


def plot_learning_rates(curves: dict, ax=None):
    """One line per preset: its learning rate against the epoch (log scale on the rate axis).

    Args:
        curves: name -> (epochs, rates), as :func:`learning_rate_curve` returns.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given). ``show()`` is never called.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    styles = ["-", "--", "-.", ":"]
    colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    for k, (name, (epochs, rates)) in enumerate(curves.items()):
        ax.plot(epochs, np.maximum(rates, 1e-7), styles[k % 4], color=colors[k % 4], linewidth=2, label=name)
    ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="learning rate (log scale)", title="the presets' learning-rate schedules")
    ax.legend(fontsize=9)
    return ax.figure


def plot_benchmark_curve(results: dict, ax=None):
    """The course preset's test ELBO against train-step seconds, and the tutorial preset's end point.

    Args:
        results: the parsed ``benchmarks/results/train_speed.json``.

    Returns:
        The Figure (``ax.figure`` when ``ax`` is given). ``show()`` is never called.
    """
    try:
        curve = results["course"]["curve"]
        reached = results["course"]["reached"]
        tutorial_elbo = results["tutorial"]["final_test_elbo"]
        tutorial_seconds = results["time_to_quality"]["tutorial_seconds"]
    except (KeyError, TypeError) as err:
        raise ValueError(f"results must be the benchmark's train_speed.json (missing {err}); "
                         f"run `make benchmark` to write it.") from err
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.8))
    seconds = [p["train_seconds"] for p in curve]
    elbos = [p["test_elbo"] for p in curve]
    ax.plot(seconds, elbos, "o-", color="#0072B2", label="course preset: test ELBO during its run")
    ax.axhline(tutorial_elbo, color="#D55E00", linestyle="--",
               label=f"tutorial preset after {results['tutorial']['epochs']} epochs: {tutorial_elbo:.1f}")
    ax.scatter([tutorial_seconds], [tutorial_elbo], marker="s", s=60, color="#D55E00", zorder=3)
    ax.scatter([reached["train_seconds"]], [reached["test_elbo"]], marker="*", s=200, color="#009E73", zorder=4,
               label=f"course reaches it: {reached['train_seconds']:.0f} s vs {tutorial_seconds:.0f} s")
    ax.set_xscale("log")
    low = min(elbos + [tutorial_elbo])
    ax.set_ylim(max(min(elbos), low - 5), max(elbos + [tutorial_elbo]) + 5)
    ax.set(xlabel="train-step seconds (log scale)", ylabel="test ELBO (nats)",
           title="time to the tutorial preset's final test ELBO")
    ax.legend(fontsize=9, loc="lower right")
    return ax.figure
