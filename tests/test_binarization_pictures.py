"""Lesson 01's pictures (vae_course.demos.binarization_pictures), against numpy references."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vae_course.demos.binarization_pictures import plot_binarizations, plot_dynamic_passes  # noqa: E402



def _digit():
    """A uint8 'digit' with background 0, full ink 255 and every grey level in between."""
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 4:24] = np.arange(400).reshape(20, 20) % 256
    digit[10:14, :] = 255
    return digit


def test_binarizations_show_grey_threshold_and_one_dynamic_panel_per_seed():
    digit = _digit()
    fig = plot_binarizations(digit[None], seeds=(0, 1, 2))
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    assert [ax.get_title() for ax in fig.axes] == ["grey", "threshold 0.5", "dynamic, seed 0", "dynamic, seed 1",
                                                   "dynamic, seed 2"]
    shown = [ax.images[0].get_array() for ax in fig.axes]  # (28, 28) uint8 each
    np.testing.assert_array_equal(shown[0], digit)  # grey: round(255 * digit / 255)
    np.testing.assert_array_equal(shown[1], np.where(digit / 255.0 > 0.5, 255, 0))
    for dynamic in shown[2:]:
        assert set(np.unique(dynamic)) <= {0, 255}
        assert np.all(dynamic[digit == 0] == 0) and np.all(dynamic[digit == 255] == 255)
    assert not np.array_equal(shown[2], shown[3])  # another seed, another sample
    again = plot_binarizations(digit, seeds=(1,))
    np.testing.assert_array_equal(again.axes[2].images[0].get_array(), shown[3])  # same seed, same sample


def test_binarizations_refuse_a_batch_or_floats():
    with pytest.raises(ValueError, match=r"one uint8 MNIST image of shape \(1, 28, 28\)"):
        plot_binarizations(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="got float64"):
        plot_binarizations(np.zeros((28, 28)))


def test_dynamic_passes_draw_one_titled_row_per_pass():
    rng = np.random.default_rng(0)
    passes = [(rng.random((3, 28, 28, 1)) < 0.5).astype(np.float32) for _ in range(2)]
    fig = plot_dynamic_passes(passes)
    assert [ax.get_title() for ax in fig.axes] == ["pass 1", "pass 2"]
    for ax, batch in zip(fig.axes, passes, strict=True):
        grid = ax.images[0].get_array()
        assert grid.shape == (28, 3 * 29 - 1)
        for k in range(3):
            np.testing.assert_array_equal(grid[:, k * 29:k * 29 + 28], batch[k, ..., 0] * 255)
    with pytest.raises(ValueError, match=r"batches of one shape \(N, 28, 28, 1\)"):
        plot_dynamic_passes([passes[0], passes[1][:2]])
    with pytest.raises(ValueError, match="batches of one shape"):
        plot_dynamic_passes([])


def test_the_difference_row_colours_each_kind_of_pixel():
    from vae_course.demos.binarization_pictures import BOTH, ONLY_FIRST, ONLY_SECOND, difference_overlay

    first = np.zeros((1, 28, 28, 1))
    second = np.zeros((1, 28, 28, 1))
    first[0, 0, 0], second[0, 0, 0] = 1, 1  # ink on both passes
    first[0, 1, 1] = 1  # pass 1 only
    second[0, 2, 2] = 1  # pass 2 only
    rgb = difference_overlay(first, second)
    assert tuple(rgb[0, 0, 0]) == BOTH and tuple(rgb[0, 1, 1]) == ONLY_FIRST and tuple(rgb[0, 2, 2]) == ONLY_SECOND
    assert tuple(rgb[0, 3, 3]) == (1.0, 1.0, 1.0)
    assert len({BOTH, ONLY_FIRST, ONLY_SECOND, (1.0, 1.0, 1.0)}) == 4
    fig = plot_dynamic_passes([first, second], difference=True)
    assert len(fig.axes) == 3 and "(2 pixels)" in fig.axes[2].get_title()
    with pytest.raises(ValueError, match="exactly two passes"):
        plot_dynamic_passes([first, second, first], difference=True)
    import matplotlib.pyplot as plt

    plt.close("all")
