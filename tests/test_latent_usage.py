"""Tests of vae_course.demos.latent_usage (lesson 06) against the closed-form Gaussian KL and np.var by hand."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vae_course.demos.latent_usage import activity, kl_per_dimension, plot_latent_usage  # noqa: E402


def test_kl_per_dimension_is_the_closed_form_averaged_over_images():
    rng = np.random.default_rng(0)
    mean, logvar = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    closed = 0.5 * (np.exp(logvar) + mean**2 - 1.0 - logvar)  # (50, 4), written out independently
    np.testing.assert_allclose(kl_per_dimension(mean, logvar), closed.mean(axis=0), rtol=1e-10)


def test_a_dimension_equal_to_the_prior_costs_nothing_and_is_inactive():
    mean = np.stack([np.linspace(-2, 2, 10), np.zeros(10)], axis=1)  # dim 1: mean 0 for every image
    logvar = np.stack([np.full(10, -4.0), np.zeros(10)], axis=1)     # dim 1: sigma 1
    assert kl_per_dimension(mean, logvar)[1] == pytest.approx(0.0, abs=1e-12)
    act = activity(mean)
    assert act[1] == 0.0
    assert act[0] == pytest.approx(np.mean((np.linspace(-2, 2, 10)) ** 2))  # mean of the values is 0


def test_activity_ignores_the_variances():
    mean = np.array([[0.0, 1.0], [2.0, 1.0]])
    np.testing.assert_allclose(activity(mean), [1.0, 0.0])


@pytest.mark.parametrize("shape", [(5,), (1, 3), (2, 3, 1)])
def test_bad_shapes_are_refused(shape):
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        kl_per_dimension(np.zeros(shape), np.zeros(shape))


def test_the_picture_marks_inactive_dimensions():
    fig = plot_latent_usage(np.array([2.0, 0.5, 0.0]), np.array([1.0, 0.1, 0.001]))
    ax_kl, ax_act = fig.axes
    assert len(ax_kl.patches) == len(ax_act.patches) == 3
    assert "2 of 3" in ax_act.get_title()
    plt.close("all")
