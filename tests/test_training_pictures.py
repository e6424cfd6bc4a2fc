"""Lesson 08's picture (vae_course.demos.training_pictures) against frames written here."""
import imageio.v3 as iio
import numpy as np
import pytest

from vae_course.demos.training_pictures import plot_epoch_frames, read_gif_frames


def _frames(t=4, h=9, w=7):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(t, h, w), dtype=np.uint8)


def test_gif_frames_round_trip(tmp_path):
    frames = _frames()
    data = iio.imwrite("<bytes>", frames, extension=".gif", duration=500, loop=0, optimize=False)
    read = read_gif_frames(data)
    assert read.shape == frames.shape and read.dtype == np.uint8
    np.testing.assert_array_equal(read, frames)  # gray GIF frames survive exactly
    path = tmp_path / "s.gif"
    path.write_bytes(data)
    np.testing.assert_array_equal(read_gif_frames(path), frames)


def test_each_panel_shows_its_epochs_frame_and_title():
    frames = _frames()
    fig = plot_epoch_frames(frames, [1, 3, 4], test_elbos=[-200.0, -180.04, -170.5, -160.25])
    axes = fig.axes
    assert len(axes) == 3
    for ax, epoch in zip(axes, [1, 3, 4]):
        np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), frames[epoch - 1])
    assert [ax.get_title() for ax in axes] == ["epoch 1\ntest ELBO -200.0", "epoch 3\ntest ELBO -170.5",
                                               "epoch 4\ntest ELBO -160.2"]
    assert plot_epoch_frames(frames, [2]).axes[0].get_title() == "epoch 2"


@pytest.mark.parametrize("frames, epochs, elbos, phrase", [
    (_frames(), [0], None, "1-based epoch numbers in 1..4"),
    (_frames(), [5], None, "1-based epoch numbers in 1..4"),
    (_frames(), [], None, "1-based epoch numbers"),
    (_frames(), [1], [-1.0], "one value per frame"),
    (_frames().astype(np.float32), [1], None, "must be uint8"),
])
def test_bad_input_is_refused(frames, epochs, elbos, phrase):
    with pytest.raises(ValueError, match=phrase):
        plot_epoch_frames(frames, epochs, elbos)
