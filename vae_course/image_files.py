"""Digit grids as arrays, animated GIFs and figure files, without pyplot (lesson 08).

``grid_array`` tiles digits into one uint8 image; ``write_gif`` turns such images (or PNG
files) into an animation, e.g. the decoded prior samples after every training epoch;
``save_figure`` stores a matplotlib figure as PNG and SVG. ``vae_course.plotting`` re-exports
all three, so ``from vae_course.plotting import write_gif`` works too.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vae_course.atomic_write import atomic_write
from vae_course.validation import positive_int

SEPARATOR = 128  # mid-gray: visible against both the black background and the white strokes
FIGURES_ENV = "VAE_COURSE_FIGURES"
PNG_DPI = 150

__all__ = ["to_uint8", "grid_array", "write_gif", "save_figure"]


def to_uint8(images, name: str = "images") -> np.ndarray:
    """uint8 copy of ``images``: floats in [0, 1] become round(255·x), uint8 passes through."""
    if hasattr(images, "numpy"):
        images = images.numpy()  # tf.Tensor
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.copy()
    if images.dtype == np.bool_:
        return images.astype(np.uint8) * 255
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"{name} must be floats in [0, 1] (probabilities or binary pixels) or uint8 in "
                        f"[0, 255], got dtype {images.dtype}; convert with .astype(np.uint8) or scale to [0, 1].")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} holds NaN or infinite values; expected floats in [0, 1].")
    if images.size and (images.min() < 0.0 or images.max() > 1.0):
        raise ValueError(f"{name} must lie in [0, 1] (e.g. Bernoulli means, sigmoid of the logits), got values "
                         f"in [{images.min():.3g}, {images.max():.3g}]; logits need tf.sigmoid first.")
    return np.round(images * 255.0).astype(np.uint8)


def grid_array(images, ncols: int = 10) -> np.ndarray:
    """Tiles ``images`` row by row into one uint8 image with 1-pixel separators (lesson 08).

    Image ``i`` sits in grid row ``i // ncols``, column ``i % ncols``, i.e. at pixel rows
    ``r·(h+1) : r·(h+1)+h`` and columns ``c·(w+1) : c·(w+1)+w``. Separators and empty cells
    of the last row are mid-gray (128). With fewer than ``ncols`` images, one row of N.

    Args:
        images: (N, h, w) or (N, h, w, 1), usually (N, 28, 28, 1); floats in [0, 1] or uint8.
        ncols: columns of the grid, a positive integer.

    Returns:
        uint8 array (R·(h+1) − 1, C·(w+1) − 1) with R = ceil(N / C) rows, C = min(ncols, N).
    """
    x = to_uint8(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"images must have shape (N, 28, 28, 1) or (N, 28, 28) with N >= 1, got {x.shape}.")
    positive_int(ncols, "ncols")
    n, h, w = x.shape
    cols = min(int(ncols), n)
    rows = -(-n // cols)
    cells = np.full((rows * cols, h + 1, w + 1), SEPARATOR, np.uint8)  # each cell keeps a separator below/right
    cells[:n, :h, :w] = x
    grid = cells.reshape(rows, cols, h + 1, w + 1).transpose(0, 2, 1, 3).reshape(rows * (h + 1), cols * (w + 1))
    return grid[:-1, :-1]  # drop the outer separator line


def _frame(frame, i: int) -> np.ndarray:
    if isinstance(frame, (str, os.PathLike)):
        import imageio.v3 as iio

        path = Path(frame)
        if not path.is_file():
            raise FileNotFoundError(f"frame {i}: image file {path} not found.")
        x = iio.imread(path)
        if x.ndim == 3:  # drop the alpha channel: RGBA -> RGB, gray+alpha -> gray
            x = x[..., :3] if x.shape[-1] >= 3 else x[..., 0]
        if x.dtype != np.uint8:
            raise ValueError(f"frame {i}: {path} holds {x.dtype} pixels; write_gif needs 8-bit images.")
        return x
    x = to_uint8(frame, f"frame {i}")
    if x.ndim != 2:
        raise ValueError(f"frame {i} must be a 2-D image (H, W), e.g. from grid_array, or a PNG path; got shape {x.shape}.")
    return x


def write_gif(frames, path, fps: float = 2) -> Path:
    """Writes ``frames`` as an endlessly looping animated GIF, atomically (lesson 08).

    The file is written to a temporary file in the same folder, then renamed, so a reader never
    sees half a GIF. Pillow merges consecutive identical frames into one longer frame; the
    animation looks the same.

    Args:
        frames: list of 2-D uint8 arrays or floats in [0, 1] (e.g. from :func:`grid_array`), or
            PNG file paths; all of the same size.
        path: the .gif file to write; its folder is created.
        fps: frames per second, > 0.

    Returns:
        The path written.
    """
    import imageio.v3 as iio

    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must end in .gif, got {path.name}.")
    if not isinstance(fps, (int, float)) or isinstance(fps, bool) or not fps > 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}.")
    frames = [_frame(f, i) for i, f in enumerate(frames)]
    if not frames:
        raise ValueError("frames is empty; pass at least one image.")
    if any(f.ndim == 3 for f in frames):
        frames = [np.repeat(f[..., None], 3, axis=-1) if f.ndim == 2 else f for f in frames]
    shapes = sorted({f.shape for f in frames})
    if len(shapes) > 1:
        raise ValueError(f"all frames must have the same size, got {shapes}; save PNG frames without "
                         "bbox_inches='tight', or build frames with grid_array.")
    path.parent.mkdir(parents=True, exist_ok=True)
    video = np.stack(frames)  # (T, H, W) or (T, H, W, 3)
    # optimize=False keeps the full 256-entry palette in every frame: Pillow 13's optimized
    # palettes make some gray frames unreadable by Pillow itself ("No packer found from P to L").
    return atomic_write(path, lambda tmp: iio.imwrite(tmp, video, extension=".gif", duration=1000.0 / fps,
                                                           loop=0, optimize=False))


def save_figure(fig, name: str, folder=None) -> list[Path]:
    """Writes ``fig`` as ``name.png`` and ``name.svg`` into ``folder`` (lesson 08).

    ``folder`` defaults to the environment variable ``VAE_COURSE_FIGURES``; the folder is
    created. Files are written atomically and reproducibly (no date in the SVG, fixed SVG ids).

    Returns:
        [path of the PNG, path of the SVG].
    """
    import matplotlib

    if folder is None:
        folder = os.environ.get(FIGURES_ENV) or None
    if folder is None:
        raise ValueError(f"save_figure needs a folder: pass folder=... or set the environment variable {FIGURES_ENV}.")
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"name must be a plain file name without folders, e.g. 'prior_samples', got {name!r}.")
    if Path(name).suffix.lower() in (".png", ".svg"):
        raise ValueError(f"name must not carry an extension (both .png and .svg are written), got {name!r}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, extra in (("png", {"dpi": PNG_DPI}), ("svg", {"metadata": {"Date": None}})):

        def write(tmp, fmt=fmt, extra=extra):
            with matplotlib.rc_context({"svg.hashsalt": "vae-course"}):
                fig.savefig(tmp, format=fmt, bbox_inches="tight", **extra)

        paths.append(atomic_write(folder / f"{name}.{fmt}", write))
    return paths
