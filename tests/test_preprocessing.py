"""Tests of vae_course.preprocessing: scaling, static and dynamic binarization, tf.data pipelines."""
from __future__ import annotations

import numpy as np
import pytest

from vae_course.preprocessing import binarize, dynamic_binarize, make_dataset, scale

HELPERS = {
    "scale": lambda images: scale(images),
    "binarize": lambda images: binarize(images),
    "dynamic_binarize": lambda images: dynamic_binarize(images, seed=0),
}


@pytest.fixture(scope="module")
def all_levels():
    """uint8 (3, 28, 28): every grey level 0..255 appears, in a random layout."""
    rng = np.random.default_rng(0)
    images = np.concatenate([np.arange(256), rng.integers(0, 256, 3 * 784 - 256)]).astype(np.uint8)
    return rng.permutation(images).reshape(3, 28, 28)


def test_scale_matches_numpy(all_levels):
    x = scale(all_levels)
    assert x.dtype == np.float32 and x.shape == (3, 28, 28, 1)
    np.testing.assert_allclose(x[..., 0], all_levels.astype(np.float64) / 255.0, rtol=0, atol=1e-7)
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.array_equal(scale(all_levels[..., None]), x)  # (N, 28, 28, 1) input is accepted too
    assert np.array_equal(scale(x), x)  # already scaled floats pass through


@pytest.mark.parametrize("threshold", [0.5, 0.25, 0.1, 0.0, 0.9])
def test_binarize_matches_numpy(all_levels, threshold):
    x = binarize(all_levels, threshold)
    expected = (all_levels.astype(np.float64) > threshold * 255.0).astype(np.float32)[..., None]
    assert x.dtype == np.float32 and x.shape == (3, 28, 28, 1)
    assert np.array_equal(x, expected)
    assert np.array_equal(binarize(all_levels.astype(np.float64) / 255.0, threshold), expected)


def test_binarize_default_threshold_is_half(all_levels):
    x = binarize(all_levels)
    assert np.array_equal(x[..., 0], (all_levels >= 128).astype(np.float32))


def test_binarize_real_digits(mnist_test_subset, binarized_subset):
    images, _ = mnist_test_subset
    x, _ = binarized_subset
    assert np.array_equal(binarize(images), x)
    assert 0.05 < x.mean() < 0.25  # digits are mostly background


def test_dynamic_binarize_is_binary_and_seeded(mnist_test_subset):
    images = mnist_test_subset[0][:8]
    a = dynamic_binarize(images, seed=1)
    assert a.dtype == np.float32 and a.shape == (8, 28, 28, 1)
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert np.array_equal(a, dynamic_binarize(images, seed=1))
    assert not np.array_equal(a, dynamic_binarize(images, seed=2))
    p = images[..., None] / 255.0
    assert np.all(a[p == 0.0] == 0.0) and np.all(a[p == 1.0] == 1.0)


def test_dynamic_binarize_mean_over_seeds_approaches_p(mnist_test_subset):
    images = mnist_test_subset[0][:8]
    p = images[..., None].astype(np.float64) / 255.0
    n = 400
    mean = np.mean([dynamic_binarize(images, seed=s) for s in range(n)], axis=0)
    stderr = np.sqrt(p * (1.0 - p) / n)
    assert np.all(np.abs(mean - p) <= 5.0 * stderr + 1.0 / n)
    assert abs(mean.mean() - p.mean()) <= 5.0 * np.sqrt(np.sum(p * (1.0 - p)) / n) / p.size  # all pixels pooled
    assert np.abs(mean - p).max() < 0.1  # a threshold at 0.5 would miss by up to 0.5


@pytest.mark.parametrize("helper", sorted(HELPERS))
@pytest.mark.parametrize("shape", [(28, 28), (2, 784), (2, 28, 28, 3), (2, 1, 28, 28), (2, 28, 27)])
def test_bad_shapes_are_rejected(helper, shape):
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28\) or \(N, 28, 28, 1\)"):
        HELPERS[helper](np.zeros(shape, np.uint8))


@pytest.mark.parametrize("helper", sorted(HELPERS))
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float16, np.bool_])
def test_bad_dtypes_are_rejected(helper, dtype):
    with pytest.raises(TypeError, match="uint8"):
        HELPERS[helper](np.zeros((2, 28, 28), dtype))


@pytest.mark.parametrize("helper", sorted(HELPERS))
def test_non_arrays_are_rejected(helper):
    with pytest.raises(TypeError, match="numpy array"):
        HELPERS[helper](np.zeros((2, 28, 28), np.uint8).tolist())


@pytest.mark.parametrize("helper", sorted(HELPERS))
@pytest.mark.parametrize("bad", [-0.1, 1.5, 255.0, np.nan, np.inf])
def test_float_values_outside_unit_interval_are_rejected(helper, bad):
    images = np.full((2, 28, 28), 0.5, np.float32)
    images[1, 3, 4] = bad
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*scale\(images\)"):
        HELPERS[helper](images)


@pytest.mark.parametrize("threshold", [1.0, -0.1, 2.0, float("nan")])
def test_bad_threshold(threshold):
    with pytest.raises(ValueError, match=r"threshold must lie in \[0, 1\)"):
        binarize(np.zeros((1, 28, 28), np.uint8), threshold)


@pytest.fixture(scope="module")
def unique_binary():
    """float32 (10, 28, 28, 1): ten different random binary images."""
    x = np.random.default_rng(3).integers(0, 2, (10, 28, 28, 1)).astype(np.float32)
    assert len({row.tobytes() for row in x}) == 10
    return x


def _passes(ds, n):
    """The first n passes over ds, each as a list of numpy batches."""
    return [[b.numpy() for b in ds] for _ in range(n)]


def _order(batches, x):
    """The index in x of each image of one pass."""
    index = {row.tobytes(): i for i, row in enumerate(x)}
    return [index[row.tobytes()] for row in np.concatenate(batches)]


def test_make_dataset_batches_without_shuffle(unique_binary):
    (batches,) = _passes(make_dataset(unique_binary, 4, shuffle=False), 1)
    assert [b.shape for b in batches] == [(4, 28, 28, 1), (4, 28, 28, 1), (2, 28, 28, 1)]
    assert all(b.dtype == np.float32 for b in batches)
    assert np.array_equal(np.concatenate(batches), unique_binary)


def test_make_dataset_shuffles_reproducibly(unique_binary):
    first, second = (_order(p, unique_binary) for p in _passes(make_dataset(unique_binary, 3, seed=5), 2))
    assert sorted(first) == list(range(10)) and sorted(second) == list(range(10))  # each pass: a permutation
    assert first != list(range(10))
    assert first != second  # reshuffled on every pass
    again = [_order(p, unique_binary) for p in _passes(make_dataset(unique_binary, 3, seed=5), 2)]
    assert again == [first, second]  # same seed, same sequence of orders
    other = _order(_passes(make_dataset(unique_binary, 3, seed=6), 1)[0], unique_binary)
    assert other != first


def test_make_dataset_dynamic_draws_new_samples_per_pass(mnist_test_subset):
    p = mnist_test_subset[0][:16, ..., None].astype(np.float32) / np.float32(255.0)  # (16, 28, 28, 1)
    passes = [np.concatenate(b) for b in _passes(make_dataset(p, 8, shuffle=False, seed=1, dynamic=True), 3)]
    for sample in passes:
        assert sample.dtype == np.float32 and sample.shape == (16, 28, 28, 1)
        assert set(np.unique(sample)) <= {0.0, 1.0}
        assert np.all(sample[p == 0.0] == 0.0) and np.all(sample[p == 1.0] == 1.0)
    assert not np.array_equal(passes[0], passes[1]) and not np.array_equal(passes[1], passes[2])
    again = [np.concatenate(b) for b in _passes(make_dataset(p, 8, shuffle=False, seed=1, dynamic=True), 3)]
    assert all(np.array_equal(a, b) for a, b in zip(passes, again))
    other = np.concatenate(_passes(make_dataset(p, 8, shuffle=False, seed=2, dynamic=True), 1)[0])
    assert not np.array_equal(other, passes[0])
    uint8_input = np.concatenate(_passes(make_dataset(mnist_test_subset[0][:16], 8, shuffle=False, seed=1,
                                                      dynamic=True), 1)[0])
    assert np.array_equal(uint8_input, passes[0])  # raw digits are scaled to p first


def test_make_dataset_dynamic_mean_approaches_p(mnist_test_subset):
    p = mnist_test_subset[0][:4, ..., None].astype(np.float32) / np.float32(255.0)
    n = 150
    ds = make_dataset(p, 4, shuffle=False, seed=0, dynamic=True)
    mean = np.mean([np.concatenate(b) for b in _passes(ds, n)], axis=0)
    stderr = np.sqrt(p * (1.0 - p) / n)
    assert np.all(np.abs(mean - p) <= 5.0 * stderr + 1.0 / n)


def test_make_dataset_refuses_grey_levels_without_dynamic(mnist_test_subset):
    p = mnist_test_subset[0][:4, ..., None].astype(np.float32) / np.float32(255.0)
    with pytest.raises(ValueError, match="grey levels.*binarize.*dynamic=True"):
        make_dataset(p, 2)
    with pytest.raises(ValueError, match="grey levels"):
        make_dataset(mnist_test_subset[0][:4], 2)  # raw uint8 digits, not binarized


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "8"])
def test_make_dataset_bad_batch_size(unique_binary, batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        make_dataset(unique_binary, batch_size)
