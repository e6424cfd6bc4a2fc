"""MNIST from the original IDX files: parsing, checksums, and where to find them (lesson 01).

Lookup order of :func:`load_mnist`: the ``data_dir`` argument, then the environment variable
``VAE_COURSE_DATA`` (a folder holding the four original ``*-ubyte.gz`` files), then Keras's
own cache and download. Files read from a folder are parsed here (IDX magic number and
dimensions) and checked against the published SHA-256 of their uncompressed contents.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ENV_VAR", "IMAGE_SHAPE", "MnistFileError", "IdxFile", "MNIST_FILES", "read_idx", "resolve_data_dir",
           "load_mnist"]

ENV_VAR = "VAE_COURSE_DATA"
IMAGE_SHAPE = (28, 28, 1)  # (H, W, C) of one image as the models see it


class MnistFileError(ValueError):
    """A MNIST file or folder is missing, truncated, malformed or altered."""


@dataclass(frozen=True)
class IdxFile:
    name: str  # file name inside the data folder
    sha256: str  # SHA-256 of the *uncompressed* IDX contents
    shape: tuple  # dimensions stored in the IDX header


MNIST_FILES = {
    "train_images": IdxFile("train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", (60000, 28, 28)),
    "train_labels": IdxFile("train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", (60000,)),
    "test_images": IdxFile("t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", (10000, 28, 28)),
    "test_labels": IdxFile("t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", (10000,)),
}
_FIX = ("Download the original file again (http://yann.lecun.com/exdb/mnist/ or any mirror), "
        f"or unset {ENV_VAR} to let Keras download MNIST.")


def _permission_message(path: Path, err: OSError) -> str:
    """What to say when the operating system refuses to let us read ``path`` (or its folder)."""
    where = Path(err.filename) if getattr(err, "filename", None) else path
    if path.parent.is_dir() and not os.access(path.parent, os.R_OK | os.X_OK):
        where = path.parent  # the folder is what refuses, whatever file the error names
    return (f"{path}: cannot be read: permission denied on {where} ({err.strerror or err}). The file itself is not "
            f"the problem; give your user read access (e.g. chmod u+r on the files and u+rx on their folder) or "
            f"copy the four MNIST files to a folder you can read.")


def read_idx(path, expected_sha256=None, expected_shape=None) -> np.ndarray:
    """Reads one IDX file of unsigned bytes (gzip-compressed if its name ends in ``.gz``).

    Args:
        path: the file.
        expected_sha256: hex SHA-256 of the uncompressed contents, or None to skip the check.
        expected_shape: the dimensions the header must state, or None to accept any.

    Returns:
        A writable uint8 array with the header's dimensions, e.g. (N, 28, 28) for images.

    Raises:
        MnistFileError: naming the file, what was expected and what to do.
    """
    path = Path(path)
    try:
        if not path.is_file():
            if path.parent.is_dir() and not os.access(path.parent, os.X_OK):
                raise PermissionError(13, "Permission denied", str(path.parent))
            raise MnistFileError(f"{path}: file not found. Expected the IDX file {path.name} here. {_FIX}")
        raw = path.read_bytes()
    except PermissionError as err:
        raise MnistFileError(_permission_message(path, err)) from err
    try:
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise MnistFileError(f"{path}: cannot be decompressed ({err}); expected a complete gzip file, "
                             f"this one is truncated or corrupt. {_FIX}") from err
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08 or not 1 <= raw[3] <= 4:
        raise MnistFileError(f"{path}: wrong magic number {raw[:4].hex() or '(empty file)'}; expected "
                             f"00 00 08 0N (IDX, unsigned bytes, N dimensions). Is this an MNIST IDX file? {_FIX}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MnistFileError(f"{path}: the header is cut short ({len(raw)} bytes, expected {header}). {_FIX}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    n_expected = int(np.prod(dims))
    if len(raw) - header != n_expected:
        raise MnistFileError(f"{path}: holds {len(raw) - header} bytes of data but its header {dims} "
                             f"promises {n_expected}; the file is truncated or padded. {_FIX}")
    if expected_shape is not None and tuple(dims) != tuple(expected_shape):
        raise MnistFileError(f"{path}: dimensions {dims}, expected {tuple(expected_shape)}. {_FIX}")
    if expected_sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != expected_sha256:
            raise MnistFileError(f"{path}: SHA-256 of the uncompressed contents is {digest}, expected "
                                 f"{expected_sha256}; the file was altered or is not the original. {_FIX}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


def resolve_data_dir(data_dir=None) -> Path | None:
    """The folder to read MNIST from: ``data_dir``, else ``$VAE_COURSE_DATA``, else None (download)."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env) if env else None


def _download_with_keras():
    """``keras.datasets.mnist.load_data()``, its cache or its download; offline, a MnistFileError."""
    import tensorflow as tf  # only the download path needs TensorFlow

    try:
        return tf.keras.datasets.mnist.load_data()
    except Exception as err:  # offline, Keras raises a bare Exception("URL fetch failure on ...")
        cause = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise MnistFileError(
            f"MNIST could not be loaded: {ENV_VAR} is not set and no data_dir was given, so Keras tried to "
            f"download it and failed ({cause}). Put the four original files "
            f"{', '.join(f.name for f in MNIST_FILES.values())} in a folder and set {ENV_VAR} to that folder "
            f"(or pass data_dir, or --data-dir to vae-course train); or connect to the internet.") from err


def load_mnist(data_dir=None, *, verify=True):
    """Loads MNIST exactly like ``keras.datasets.mnist.load_data()`` (lesson 01).

    Args:
        data_dir: folder with the four original IDX ``.gz`` files; None looks at
            ``$VAE_COURSE_DATA`` and then falls back to Keras's cache and download.
        verify: check the SHA-256 and dimensions of each file against the published values.
            Turn off only for a small subset made for tests.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,).

    Raises:
        MnistFileError: a file is missing or bad (naming it), or there is no folder and Keras
            cannot download MNIST (naming ``VAE_COURSE_DATA`` and the four files).
    """
    folder = resolve_data_dir(data_dir)
    if folder is None:
        return _download_with_keras()
    try:
        exists = folder.is_dir()
    except PermissionError as err:  # a folder above it cannot be searched
        raise MnistFileError(_permission_message(folder, err)) from err
    if not exists:
        origin = "the data_dir argument" if data_dir is not None else f"${ENV_VAR}"
        raise MnistFileError(f"MNIST folder {folder} (from {origin}) does not exist. Expected a folder with "
                             f"{', '.join(f.name for f in MNIST_FILES.values())}. Fix the path, or unset "
                             f"{ENV_VAR} to let Keras download MNIST.")
    arrays = {key: read_idx(folder / spec.name, spec.sha256 if verify else None, spec.shape if verify else None)
              for key, spec in MNIST_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        name = MNIST_FILES[f"{split}_images"].name
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise MnistFileError(f"{folder / name}: images of shape {images.shape[1:]}, expected 28x28 "
                                 f"(an IDX file of dimensions (N, 28, 28)). {_FIX}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise MnistFileError(f"{folder / MNIST_FILES[f'{split}_labels'].name}: {labels.shape} labels for "
                                 f"{len(images)} images in {name}; expected one label per image. {_FIX}")
    return ((arrays["train_images"], arrays["train_labels"]),
            (arrays["test_images"], arrays["test_labels"]))
