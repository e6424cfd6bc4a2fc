"""Lesson 08's picture of training: the decoded prior samples after chosen epochs.

``vae-course train`` keeps one 4 x 4 grid of decoded prior samples per epoch in ``samples.gif``
(``training.artefacts.EpochSnapshots``); :func:`plot_epoch_frames` shows some of those frames side by
side, each titled with its epoch and, if given, that epoch's test ELBO.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["read_gif_frames", "plot_epoch_frames"]


def read_gif_frames(gif) -> np.ndarray:
    """The frames of an animated GIF, (T, H, W) uint8 (gray) or (T, H, W, 3).

    Args:
        gif: the GIF's bytes, or a path to it.
    """
    import imageio.v3 as iio

    frames = np.asarray(iio.imread(gif, index=None, extension=".gif"))
    if frames.ndim == 4 and frames.shape[-1] == 4:
        frames = frames[..., :3]  # drop the alpha channel
    if frames.ndim == 4 and np.array_equal(frames[..., 0], frames[..., 1]) and np.array_equal(frames[..., 0],
                                                                                                 frames[..., 2]):
        frames = frames[..., 0]  # gray stored as RGB
    return frames


def plot_epoch_frames(frames, epochs, test_elbos=None, fig=None) -> Figure:
    """Shows ``frames[epoch - 1]`` for each of ``epochs`` in one row (lesson 08).

    Args:
        frames: (T, H, W) uint8, frame t the samples after epoch t + 1 (e.g. from :func:`read_gif_frames`).
        epochs: 1-based epoch numbers to show, each in 1..T.
        test_elbos: optional sequence of T per-epoch test ELBOs (nats) for the titles.
        fig: a Figure to draw into (default: a new one).

    Returns:
        The Figure, one Axes per shown epoch.
    """
    frames = np.asarray(frames)
    if frames.ndim not in (3, 4) or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"frames must be uint8 of shape (T, H, W) or (T, H, W, 3) with T >= 1, "
                         f"got {frames.dtype} {frames.shape}; read a GIF with read_gif_frames.")
    epochs = list(epochs)
    bad = [e for e in epochs if isinstance(e, bool) or not isinstance(e, (int, np.integer)) or not 1 <= e <= len(frames)]
    if not epochs or bad:
        raise ValueError(f"epochs must be 1-based epoch numbers in 1..{len(frames)}, got {epochs}.")
    if test_elbos is not None and len(test_elbos) != len(frames):
        raise ValueError(f"test_elbos must have one value per frame ({len(frames)}), got {len(test_elbos)}.")
    fig = plt.figure(figsize=(2.3 * len(epochs), 2.8)) if fig is None else fig
    axes = fig.subplots(1, len(epochs), squeeze=False)[0]
    for ax, epoch in zip(axes, epochs):
        ax.imshow(frames[epoch - 1], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        title = f"epoch {epoch}"
        if test_elbos is not None:
            title += f"\ntest ELBO {test_elbos[epoch - 1]:.1f}"
        ax.set(xticks=[], yticks=[], title=title)
    return fig
