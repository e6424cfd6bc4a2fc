"""Tests of vae_course.data: loading the original MNIST IDX files, and every way a file can be bad."""
from __future__ import annotations

import errno
import gzip
import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

from vae_course.data import ENV_VAR, MNIST_FILES, MnistFileError, load_mnist, read_idx

TRAIN_FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_FIRST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist_from_env(mnist_dir):
    """load_mnist() with no argument: the folder comes from $VAE_COURSE_DATA."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, str(mnist_dir))
        return load_mnist()


def test_load_mnist_from_env_var_shapes_dtypes_and_known_facts(mnist_from_env):
    (x_train, y_train), (x_test, y_test) = mnist_from_env
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))
    assert y_train[:10].tolist() == TRAIN_FIRST_LABELS
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_CLASS_COUNTS
    assert y_test[:10].tolist() == TEST_FIRST_LABELS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_CLASS_COUNTS
    counts = np.bincount(x_train.ravel(), minlength=256)  # pixel statistics from the histogram, exactly
    levels = np.arange(256) / 255.0
    mean = np.sum(counts * levels) / counts.sum()
    std = np.sqrt(np.sum(counts * (levels - mean) ** 2) / counts.sum())
    assert mean == pytest.approx(0.1307, abs=5e-5) and std == pytest.approx(0.3081, abs=5e-5)
    assert counts[0] > 0 and counts[255] > 0


def test_load_mnist_with_argument_equals_env_var_and_argument_wins(mnist_dir, mnist_from_env, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-folder"))  # would fail if it were used
    (x_train, y_train), (x_test, y_test) = load_mnist(mnist_dir)
    (e_train, f_train), (e_test, f_test) = mnist_from_env
    for got, want in ((x_train, e_train), (y_train, f_train), (x_test, e_test), (y_test, f_test)):
        assert got.dtype == want.dtype and np.array_equal(got, want)
    assert x_train.flags.writeable  # a copy, not a read-only view of the file's bytes


def test_argument_beats_env_var_on_synthetic_folders(make_mnist_dir, monkeypatch):
    env_folder, _ = make_mnist_dir(name="from_env", seed=1)
    arg_folder, arrays = make_mnist_dir(name="from_arg", seed=2)
    monkeypatch.setenv(ENV_VAR, str(env_folder))
    (x_train, y_train), (x_test, y_test) = load_mnist(arg_folder, verify=False)
    assert np.array_equal(x_train, arrays["train_images"]) and np.array_equal(y_train, arrays["train_labels"])
    assert np.array_equal(x_test, arrays["test_images"]) and np.array_equal(y_test, arrays["test_labels"])
    (x_env, _), _ = load_mnist(verify=False)  # no argument: the env var's folder
    assert not np.array_equal(x_env, x_train)


def test_synthetic_folder_fails_verification(make_mnist_dir):
    folder, _ = make_mnist_dir()
    with pytest.raises(MnistFileError, match=re.escape(MNIST_FILES["train_images"].name) + ".*expected"):
        load_mnist(folder)  # verify=True: the subset is not the published file


@pytest.mark.parametrize("shape", [(5,), (3, 4, 5), (2, 28, 28), (1, 2, 3, 4)])
@pytest.mark.parametrize("suffix", [".gz", ""])
def test_read_idx_round_trips(write_idx, tmp_path, shape, suffix):
    array = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    path = write_idx(tmp_path / f"data-idx{len(shape)}-ubyte{suffix}", array)
    raw = gzip.decompress(path.read_bytes()) if suffix else path.read_bytes()
    got = read_idx(path, expected_sha256=hashlib.sha256(raw).hexdigest(), expected_shape=shape)
    assert got.dtype == np.uint8 and got.shape == shape and np.array_equal(got, array)
    assert got.flags.writeable


def test_read_idx_wrong_expected_shape(write_idx, tmp_path):
    path = write_idx(tmp_path / "a.gz", np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(MnistFileError, match=r"a\.gz: dimensions \(3, 28, 28\), expected \(4, 28, 28\)"):
        read_idx(path, expected_shape=(4, 28, 28))


def test_missing_folder(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    with pytest.raises(MnistFileError, match=re.escape(str(missing)) + r".*data_dir argument.*does not exist"):
        load_mnist(missing)
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(MnistFileError, match=re.escape(str(missing)) + r".*\$VAE_COURSE_DATA.*does not exist"):
        load_mnist()


def test_missing_file(make_mnist_dir):
    folder, _ = make_mnist_dir()
    (folder / MNIST_FILES["test_labels"].name).unlink()
    with pytest.raises(MnistFileError, match=re.escape(str(folder / MNIST_FILES["test_labels"].name)) + ": file not found"):
        load_mnist(folder, verify=False)


def _deny_reading(target, monkeypatch):
    """Makes ``target`` (a file, or a folder and all inside it) unreadable. A normal user gets a real chmod;
    root, whom permissions do not stop, gets the PermissionError (EACCES) the operating system gives a user."""
    if os.geteuid() != 0:
        target.chmod(0)
        return lambda: target.chmod(0o700 if target.is_dir() else 0o600)
    real_is_file, real_read = Path.is_file, Path.read_bytes

    def refused(path):
        if path == target or target in path.parents:
            denied_on = target if target.is_dir() else path
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(denied_on))

    monkeypatch.setattr(Path, "is_file", lambda self: (refused(self) if target.is_dir() else None) or real_is_file(self))
    monkeypatch.setattr(Path, "read_bytes", lambda self: refused(self) or real_read(self))
    return lambda: None


@pytest.mark.parametrize("what", ["file", "folder"])
def test_an_unreadable_file_or_folder_is_a_permission_problem_not_a_corrupt_file(what, make_mnist_dir, monkeypatch):
    folder, _ = make_mnist_dir()
    path = folder / MNIST_FILES["train_images"].name
    restore = _deny_reading(path if what == "file" else folder, monkeypatch)
    try:
        with pytest.raises(MnistFileError) as info:
            load_mnist(folder, verify=False)
    finally:
        restore()
    message = str(info.value)
    assert message.startswith(f"{path}: cannot be read: permission denied on {path if what == 'file' else folder}")
    assert "chmod" in message and "corrupt" not in message and "Download" not in message


def test_truncated_gzip(make_mnist_dir):
    folder, _ = make_mnist_dir()
    path = folder / MNIST_FILES["train_images"].name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MnistFileError, match=re.escape(str(path)) + ": cannot be decompressed.*truncated or corrupt"):
        load_mnist(folder, verify=False)


def test_not_a_gzip_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"this is not gzip data at all")
    with pytest.raises(MnistFileError, match=re.escape(str(path)) + ": cannot be decompressed"):
        read_idx(path)


@pytest.mark.parametrize("magic", [b"\x00\x00\x0d\x01", b"\x1f\x8b\x08\x01", b"\x00\x00\x08\x00", b"\x00\x00\x08\x05"])
def test_wrong_magic_number(write_idx, tmp_path, magic):
    path = write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(10, dtype=np.uint8), magic=magic)
    with pytest.raises(MnistFileError, match=re.escape(str(path)) + f": wrong magic number {magic.hex()}"):
        read_idx(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty-ubyte"
    path.write_bytes(b"")
    with pytest.raises(MnistFileError, match=r"wrong magic number \(empty file\)"):
        read_idx(path)


@pytest.mark.parametrize("cut", [-1, +1])
def test_data_shorter_or_longer_than_header(tmp_path, cut):
    raw = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(10 + cut)
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(MnistFileError, match=re.escape(str(path)) + r": holds \d+ bytes of data but its header"):
        read_idx(path)


def test_cut_header(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big")))
    with pytest.raises(MnistFileError, match="header is cut short"):
        read_idx(path)


def test_wrong_checksum_of_an_altered_real_file(mnist_dir, tmp_path):
    spec = MNIST_FILES["test_labels"]
    raw = bytearray(gzip.decompress((mnist_dir / spec.name).read_bytes()))
    path = tmp_path / spec.name
    path.write_bytes(gzip.compress(bytes(raw), mtime=0))  # recompressed, contents unchanged: still valid
    assert read_idx(path, spec.sha256, spec.shape)[:10].tolist() == TEST_FIRST_LABELS
    raw[8] = (raw[8] + 1) % 10  # the first label: one byte altered, still a valid IDX file
    path.write_bytes(gzip.compress(bytes(raw), mtime=0))
    assert read_idx(path)[0] == (TEST_FIRST_LABELS[0] + 1) % 10  # structurally fine ...
    with pytest.raises(MnistFileError, match=re.escape(str(path)) + ": SHA-256 .* expected " + spec.sha256):
        read_idx(path, spec.sha256, spec.shape)  # ... but not the original


def test_load_mnist_detects_an_altered_file_among_the_real_ones(mnist_dir, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for key, spec in MNIST_FILES.items():
        if key != "test_labels":
            (folder / spec.name).symlink_to(mnist_dir / spec.name)
    raw = bytearray(gzip.decompress((mnist_dir / MNIST_FILES["test_labels"].name).read_bytes()))
    raw[-1] ^= 1
    (folder / MNIST_FILES["test_labels"].name).write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(MnistFileError, match=re.escape(MNIST_FILES["test_labels"].name) + ": SHA-256"):
        load_mnist(folder)


@pytest.mark.parametrize("image_hw", [(27, 28), (28, 29)])
def test_images_not_28x28(make_mnist_dir, image_hw):
    folder, _ = make_mnist_dir(image_hw=image_hw)
    with pytest.raises(MnistFileError, match=re.escape(MNIST_FILES["train_images"].name)
                       + re.escape(f": images of shape {image_hw}, expected 28x28")):
        load_mnist(folder, verify=False)


def test_images_of_wrong_rank(make_mnist_dir, write_idx):
    folder, _ = make_mnist_dir()
    write_idx(folder / MNIST_FILES["test_images"].name, np.zeros((4, 784), np.uint8))
    with pytest.raises(MnistFileError, match=re.escape(MNIST_FILES["test_images"].name) + ".*expected 28x28"):
        load_mnist(folder, verify=False)


def test_image_label_count_mismatch(make_mnist_dir):
    folder, _ = make_mnist_dir(n_test=4, n_test_labels=5)
    with pytest.raises(MnistFileError, match=re.escape(MNIST_FILES["test_labels"].name)
                       + r".*\(5,\) labels for 4 images in " + re.escape(MNIST_FILES["test_images"].name)):
        load_mnist(folder, verify=False)


def test_every_error_says_what_to_do(make_mnist_dir):
    folder, _ = make_mnist_dir()
    (folder / MNIST_FILES["train_labels"].name).unlink()
    with pytest.raises(MnistFileError) as info:
        load_mnist(folder, verify=False)
    assert "Download the original file again" in str(info.value) and ENV_VAR in str(info.value)
    assert isinstance(info.value, ValueError)  # callers may catch it as a ValueError



def test_no_folder_and_no_network_names_the_env_var_and_the_four_files(tmp_path, monkeypatch):
    """Offline, Keras's get_file raises a bare Exception("URL fetch failure ..."); load_mnist turns it into
    a MnistFileError saying how to provide the files. The real Keras download code runs, with an empty
    cache and a urlretrieve that fails the way it does without a network."""
    import socket
    import urllib.error

    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(keras_config, "keras_home", lambda: str(tmp_path / "keras-cache"))  # nothing cached
    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    with pytest.raises(MnistFileError) as info:
        load_mnist()
    message = str(info.value)
    assert ENV_VAR in message and "URL fetch failure" in message  # what happened, and what to set
    assert all(spec.name in message for spec in MNIST_FILES.values())
    assert "Name or service not known" in message
    assert not (tmp_path / "keras-cache" / "datasets" / "mnist.npz").exists()  # no half-downloaded file kept
