"""Tests of vae_course.demos.speed_pictures (lesson 10) against the schedules' closed forms."""
import math

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
import numpy as np
import pytest

from vae_course import training
from vae_course.demos.speed_pictures import learning_rate_curve, plot_benchmark_curve, plot_learning_rates


def test_a_constant_schedule_is_flat_and_the_cosine_ends_near_zero():
    tutorial = training.PRESETS["tutorial"].replace(epochs=2, train_examples=640)
    epochs, rates = learning_rate_curve(tutorial, points=5)
    assert epochs[0] == 0 and epochs[-1] == pytest.approx((2 * 20 - 1) / 20)
    np.testing.assert_allclose(rates, tutorial.learning_rate, rtol=1e-6)
    course = training.PRESETS["course"].replace(epochs=4, train_examples=6400, warmup_epochs=0)
    epochs, rates = learning_rate_curve(course, points=50)
    steps = 4 * 100
    k = epochs * 100
    expected = course.learning_rate * 0.5 * (1 + np.cos(math.pi * k / steps))  # the cosine, written out
    np.testing.assert_allclose(rates, expected, rtol=1e-3, atol=1e-7)


def test_points_must_be_at_least_two():
    with pytest.raises(ValueError, match="points"):
        learning_rate_curve(training.PRESETS["course"], points=1)


def test_the_benchmark_picture_marks_both_presets_and_refuses_other_files():
    results = {"course": {"curve": [{"train_seconds": 2.0, "test_elbo": -200.0},
                                    {"train_seconds": 30.0, "test_elbo": -155.0}],
                          "reached": {"train_seconds": 30.0, "test_elbo": -155.0}},
               "tutorial": {"final_test_elbo": -156.0, "epochs": 10},
               "time_to_quality": {"tutorial_seconds": 250.0}}
    fig = plot_benchmark_curve(results)
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("30 s vs 250 s" in t for t in labels) and any("-156.0" in t for t in labels)
    with pytest.raises(ValueError, match="train_speed.json"):
        plot_benchmark_curve({"course": {}})
    fig = plot_learning_rates({"a": (np.array([0.0, 1.0]), np.array([1e-3, 0.0]))})
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 1
    plt.close("all")
