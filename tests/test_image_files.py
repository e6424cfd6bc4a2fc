"""Tests of vae_course.image_files: grid tiling, uint8 scaling, GIF and figure files."""
import os

import imageio.v3 as iio
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from vae_course.image_files import SEPARATOR, grid_array, save_figure, to_uint8, write_gif


def _reference_grid(images, ncols):
    """Slice-based tiling: image i at grid row i // ncols, column i % ncols, 1-pixel gaps."""
    n, h, w = images.shape
    cols = min(ncols, n)
    rows = (n + cols - 1) // cols
    out = np.full((rows * h + rows - 1, cols * w + cols - 1), SEPARATOR, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = r * (h + 1), c * (w + 1)
        out[top:top + h, left:left + w] = images[i]
    return out


@pytest.mark.parametrize("n, ncols", [(7, 3), (10, 10), (4, 10), (1, 5), (12, 4)])
def test_grid_array_places_each_image_in_its_cell(n, ncols):
    images = np.random.default_rng(n).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    grid = grid_array(images[..., None], ncols=ncols)
    assert grid.dtype == np.uint8
    np.testing.assert_array_equal(grid, _reference_grid(images, ncols))
    np.testing.assert_array_equal(grid_array(images, ncols=ncols), grid)  # (N, 28, 28) works too


def test_grid_array_non_square_images_and_last_cells():
    images = np.arange(5 * 3 * 4, dtype=np.uint8).reshape(5, 3, 4)
    grid = grid_array(images, ncols=2)
    assert grid.shape == (3 * 3 + 2, 2 * 4 + 1)
    np.testing.assert_array_equal(grid[8:11, 0:4], images[4])
    assert np.all(grid[8:11, 5:9] == SEPARATOR)  # the empty sixth cell
    assert np.all(grid[3, :] == SEPARATOR) and np.all(grid[:, 4] == SEPARATOR)


def test_uint8_scaling_of_floats():
    x = np.array([0.0, 1.0, 0.2, 0.5, 0.999], np.float32).reshape(1, 1, 5)
    np.testing.assert_array_equal(to_uint8(x)[0, 0], [0, 255, 51, 128, 255])  # round(255·x)
    np.testing.assert_array_equal(grid_array(x.astype(np.float64)), [[0, 255, 51, 128, 255]])
    np.testing.assert_array_equal(to_uint8(np.array([True, False])), [255, 0])
    u = np.array([[[3, 250]]], np.uint8)
    np.testing.assert_array_equal(grid_array(u), u[0])  # uint8 is passed through unchanged


@pytest.mark.parametrize("images, error, match", [
    (np.zeros((2, 28, 28, 3), np.float32), ValueError, r"\(N, 28, 28, 1\)"),
    (np.zeros((28, 28), np.float32), ValueError, "shape"),
    (np.zeros((0, 28, 28), np.float32), ValueError, "N >= 1"),
    (np.full((1, 28, 28), 1.5, np.float32), ValueError, r"\[0, 1\]"),
    (np.full((1, 28, 28), -3.0, np.float32), ValueError, "sigmoid"),
    (np.full((1, 28, 28), np.nan, np.float32), ValueError, "NaN"),
    (np.zeros((1, 28, 28), np.int64), TypeError, "uint8"),
])
def test_grid_array_refuses_bad_images(images, error, match):
    with pytest.raises(error, match=match):
        grid_array(images)


@pytest.mark.parametrize("ncols", [0, -1, 2.5, True])
def test_grid_array_refuses_bad_ncols(ncols):
    with pytest.raises(ValueError, match="ncols"):
        grid_array(np.zeros((3, 28, 28), np.uint8), ncols=ncols)


def _frames(k=3, shape=(29, 57)):
    return [np.random.default_rng(i).integers(0, 256, shape, dtype=np.uint8) for i in range(k)]


def _read_gif(path):
    """(T, H, W) gray frames; frame by frame, since Pillow decodes later GIF frames as RGB."""
    frames = [f if f.ndim == 2 else f[..., 0] for f in iio.imiter(path)]
    return np.stack(frames)


def test_write_gif_frames_loop_duration_and_no_temp_file(tmp_path):
    frames = _frames()
    path = write_gif(frames, tmp_path / "out" / "anim.gif", fps=4)
    assert path == tmp_path / "out" / "anim.gif"
    np.testing.assert_array_equal(_read_gif(path), np.stack(frames))  # 3 frames, gray values exact
    with Image.open(path) as im:
        assert im.n_frames == 3 and im.info["loop"] == 0 and im.info["duration"] == 250
    assert os.listdir(tmp_path / "out") == ["anim.gif"]
    assert (path.stat().st_mode & 0o777) != 0o600  # not mkstemp's private mode


def test_write_gif_from_floats_and_png_paths(tmp_path):
    floats = [np.full((8, 9), v, np.float32) for v in (0.0, 0.5, 1.0)]
    video = _read_gif(write_gif(floats, tmp_path / "f.gif"))
    np.testing.assert_array_equal(video[:, 0, 0], [0, 128, 255])
    pngs = []
    for i, frame in enumerate(_frames(2, (10, 12))):
        pngs.append(tmp_path / f"frame{i}.png")
        iio.imwrite(pngs[-1], frame)
    np.testing.assert_array_equal(_read_gif(write_gif([str(p) for p in pngs], tmp_path / "p.gif")),
                                  np.stack(_frames(2, (10, 12))))
    fig, ax = plt.subplots(figsize=(1, 1))  # RGBA PNGs from matplotlib work as well
    fig.savefig(tmp_path / "rgba.png")
    plt.close(fig)
    with Image.open(write_gif([tmp_path / "rgba.png"] * 2, tmp_path / "rgba.gif")) as im:
        assert im.size == (100, 100)
    gray = _frames(1, (10, 12))[0]
    iio.imwrite(tmp_path / "la.png", np.stack([gray, np.full_like(gray, 255)], axis=-1))  # gray + alpha
    np.testing.assert_array_equal(_read_gif(write_gif([tmp_path / "la.png"], tmp_path / "la.gif"))[0], gray)


def test_write_gif_refuses_bad_input_and_keeps_old_file(tmp_path):
    path = tmp_path / "a.gif"
    write_gif(_frames(2), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="same size"):
        write_gif([np.zeros((4, 4), np.uint8), np.zeros((5, 4), np.uint8)], path)
    with pytest.raises(ValueError, match="empty"):
        write_gif([], path)
    with pytest.raises(ValueError, match="2-D"):
        write_gif([np.zeros((1, 4, 4), np.uint8)], path)
    with pytest.raises(ValueError, match="fps"):
        write_gif(_frames(2), path, fps=0)
    with pytest.raises(ValueError, match=r"\.gif"):
        write_gif(_frames(2), tmp_path / "a.png")
    with pytest.raises(FileNotFoundError, match="missing.png"):
        write_gif([tmp_path / "missing.png"], path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["a.gif"]


@pytest.fixture
def figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    yield fig
    plt.close(fig)


def test_save_figure_into_folder_reproducibly(tmp_path, figure):
    paths = save_figure(figure, "curve", tmp_path / "figs")
    assert paths == [tmp_path / "figs" / "curve.png", tmp_path / "figs" / "curve.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in paths[1].read_bytes()[:1000]
    assert sorted(os.listdir(tmp_path / "figs")) == ["curve.png", "curve.svg"]  # no temp files left
    svg = paths[1].read_bytes()
    save_figure(figure, "curve", tmp_path / "figs")
    assert paths[1].read_bytes() == svg  # no date, fixed ids: re-saving changes nothing


def test_save_figure_uses_the_environment_variable(tmp_path, figure, monkeypatch):
    monkeypatch.setenv("VAE_COURSE_FIGURES", str(tmp_path / "env"))
    paths = save_figure(figure, "curve")
    assert [p.parent for p in paths] == [tmp_path / "env"] * 2 and all(p.is_file() for p in paths)


def test_save_figure_errors(tmp_path, figure, monkeypatch):
    monkeypatch.delenv("VAE_COURSE_FIGURES", raising=False)
    with pytest.raises(ValueError, match="VAE_COURSE_FIGURES"):
        save_figure(figure, "curve")
    for name in ("curve.png", "sub/curve", ""):
        with pytest.raises(ValueError, match="name"):
            save_figure(figure, name, tmp_path)
    assert os.listdir(tmp_path) == []
