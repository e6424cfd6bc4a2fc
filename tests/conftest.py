"""Fixtures for the unit tests of the foundation package: real MNIST and synthetic IDX files.

Real MNIST comes from the folder named by ``$VAE_COURSE_DATA`` (CI sets it); when it is missing,
tests that need it fail in CI and are skipped elsewhere (see ``real_data.py``). Synthetic IDX files
are written into ``tmp_path``; ``synthetic_binary_images`` gives digit-like binary images for the
math tests, which must not depend on MNIST being present.
"""
from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from drawn_digits import draw_binary_digits
from real_data import locate_mnist
from vae_course.data import MNIST_FILES, read_idx

SUBSET_SIZE = 64  # test images in the session's small real subset


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """Every test fails if a plot helper calls show() (they return figures instead); figures are closed after."""
    import matplotlib.pyplot as plt

    def refuse(*args, **kwargs):
        raise AssertionError("plot helpers must not call show(): they return the Figure or Axes")

    monkeypatch.setattr(plt, "show", refuse)
    monkeypatch.setattr(plt.Figure, "show", refuse)
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the four original MNIST IDX .gz files, from $VAE_COURSE_DATA."""
    outcome, found = locate_mnist(os.environ)
    if outcome == "skip":
        pytest.skip(found)
    if outcome == "fail":
        pytest.fail(found, pytrace=False)
    return found


@pytest.fixture(scope="session")
def mnist_test_subset(mnist_dir):
    """The first SUBSET_SIZE real test images and labels: uint8 (64, 28, 28) and (64,), checksum-verified."""
    images = read_idx(mnist_dir / MNIST_FILES["test_images"].name, MNIST_FILES["test_images"].sha256,
                      MNIST_FILES["test_images"].shape)
    labels = read_idx(mnist_dir / MNIST_FILES["test_labels"].name, MNIST_FILES["test_labels"].sha256,
                      MNIST_FILES["test_labels"].shape)
    images, labels = images[:SUBSET_SIZE], labels[:SUBSET_SIZE]
    images.setflags(write=False)  # shared by the session: no test may change it
    labels.setflags(write=False)
    return images, labels


@pytest.fixture(scope="session")
def binarized_subset(mnist_test_subset):
    """x: float32 (64, 28, 28, 1) in {0, 1} (pixel > 127, computed here without the package), and labels."""
    images, labels = mnist_test_subset
    x = (images > 127).astype(np.float32)[..., None]
    x.setflags(write=False)
    return x, labels


@pytest.fixture(scope="session")
def synthetic_binary_images() -> np.ndarray:
    """32 drawn binary images, float32 (32, 28, 28, 1): the inputs of the math tests (no MNIST needed)."""
    x = draw_binary_digits(32)
    x.setflags(write=False)
    return x


def idx_bytes(array: np.ndarray, magic: bytes | None = None) -> bytes:
    """The uncompressed IDX encoding of a uint8 array: magic 00 00 08 ndim, big-endian dims, data."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError("idx_bytes writes uint8 arrays only")
    if magic is None:
        magic = bytes([0, 0, 0x08, array.ndim])
    return magic + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


@pytest.fixture
def write_idx():
    """A function ``write_idx(path, array, magic=None, compress=None) -> path`` writing an IDX file.

    ``compress`` defaults to True when the name ends in ``.gz``; ``magic`` replaces the 4-byte magic number.
    """

    def write(path, array, magic=None, compress=None) -> Path:
        path = Path(path)
        raw = idx_bytes(array, magic)
        if compress is None:
            compress = path.suffix == ".gz"
        path.write_bytes(gzip.compress(raw, mtime=0) if compress else raw)
        return path

    return write


@pytest.fixture
def make_mnist_dir(tmp_path, write_idx):
    """A function writing a small synthetic MNIST folder (four IDX .gz files) under tmp_path.

    ``make(n_train=6, n_test=4, image_hw=(28, 28), n_test_labels=None, name="mnist", seed=0)``
    returns ``(folder, arrays)`` with ``arrays`` the dict of the four written uint8 arrays,
    keyed like ``vae_course.data.MNIST_FILES``. Load it with ``load_mnist(folder, verify=False)``.
    """

    def make(n_train=6, n_test=4, image_hw=(28, 28), n_test_labels=None, name="mnist", seed=0):
        rng = np.random.default_rng(seed)
        folder = tmp_path / name
        folder.mkdir()
        arrays = {
            "train_images": rng.integers(0, 256, (n_train, *image_hw), dtype=np.uint8),
            "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
            "test_images": rng.integers(0, 256, (n_test, *image_hw), dtype=np.uint8),
            "test_labels": rng.integers(0, 10, n_test if n_test_labels is None else n_test_labels, dtype=np.uint8),
        }
        for key, array in arrays.items():
            write_idx(folder / MNIST_FILES[key].name, array)
        return folder, arrays

    return make


@pytest.fixture
def judged_without_per_call_restore(monkeypatch):
    """The checks' judgements, tested without the restore after every call of the answer (about 15 ms a
    call, some 40 calls a check): it changes nothing for answers that patch nothing, which all answers
    of these tests are. The restore itself is tested with it on (tests/test_checks_harness.py)."""
    from vae_course.checks import undoing

    monkeypatch.setattr(undoing, "RESTORE_AFTER_EACH_CALL", False)
