"""Tests of vae_course.demos.log_density_terms (lesson 02), against scipy-free closed forms and tfp."""
import math

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow_probability as tfp

from vae_course.demos.log_density_terms import log_density_terms, plot_log_density_terms

tfd = tfp.distributions


def test_the_terms_add_up_to_each_dimensions_normal_log_prob():
    z, mean, logvar = [0.3, 0.8, -2.0], [0.0, 1.0, -1.0], [0.0, -1.0, 1.0]
    terms = log_density_terms(z, mean, logvar)
    total = terms["constant"] + terms["normalizer"] + terms["distance"]
    expected = tfd.Normal(np.array(mean), np.exp(0.5 * np.array(logvar))).log_prob(np.array(z)).numpy()
    np.testing.assert_allclose(total, expected, rtol=1e-12)


def test_each_term_has_its_meaning():
    terms = log_density_terms([2.0], [0.0], [math.log(4.0)])  # sigma = 2, one sigma away
    assert terms["constant"][0] == pytest.approx(-0.5 * math.log(2 * math.pi))
    assert terms["normalizer"][0] == pytest.approx(-math.log(2.0))  # -log sigma
    assert terms["distance"][0] == pytest.approx(-0.5)  # -(1 sigma)^2 / 2


@pytest.mark.parametrize("args", [([0.0, 1.0], [0.0], [0.0]), ([[0.0]], [[0.0]], [[0.0]]), ([np.nan], [0.0], [0.0])])
def test_bad_input_is_refused_with_what_was_expected(args):
    with pytest.raises(ValueError, match="length D"):
        log_density_terms(*args)


def test_the_picture_draws_three_stacked_terms_and_the_reference():
    terms = log_density_terms([0.3, 0.8, -2.0], [0.0, 1.0, -1.0], [0.0, -1.0, 1.0])
    fig = plot_log_density_terms(terms, reference=[-1.0, -1.0, -1.0])
    assert isinstance(fig, Figure)  # the figure convention: every plot helper returns its Figure
    ax = fig.axes[0]
    assert len(ax.patches) == 9  # 3 terms x 3 dimensions
    assert len(ax.collections) == 2  # the sums and the reference circles
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) == {"constant", "normalizer", "distance", "sum of the terms", "1-D log-density (tfp)"}
    plt.close("all")
