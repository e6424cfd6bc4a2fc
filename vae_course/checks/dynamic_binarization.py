"""Check of exercise 01.2, ``dynamic_binarize(images, seed)``: uint8 (N, 28, 28) -> float32 (N, 28, 28, 1).

Each pixel must be 1 with probability pixel / 255, independently, reproducibly from ``seed``. The
check is statistical: on 400 copies of an image holding every grey level, the fraction of ones per
grey level must lie within 6 standard errors (+ 1/400) of pixel / 255. Then independence, on 400
uniformly grey images (pixel 128): the correlation of horizontal neighbours, of vertical neighbours
and of consecutive images (one z-score each), and the spread of the number of ones per image and per
pixel position (two chi-square statistics, against binomial counts). Each statistic is rejected
beyond 5.5 standard deviations (normal tail 1.9e-8; Wilson-Hilferty quantiles for the chi-squares):
a right answer fails the independence test with probability below 2e-7 (union bound over its ten
tails; 1000 seeds of a right answer all passed, the largest |z| was 3.5). The seeds are fixed, so a
given answer always gets the same verdict.
"""
from __future__ import annotations

import numpy as np

from vae_course.checks.harness import CheckFailed, call, checked, fmt_shape, success
from vae_course.checks.shortcuts import refuse

__all__ = ["NAME", "COPIES", "GREY", "Z_LIMIT", "check_dynamic_binarize"]

NAME = "dynamic_binarize"
COPIES = 400  # images per call in the statistical tests
GREY = 128  # the grey level of the independence test: P(1) = 128/255, close to 1/2 (the most variance)
Z_LIMIT = 5.5  # standard deviations: a normal tail of 1.9e-8 per side


def _as_array(result, n):
    if result is None:
        raise CheckFailed(f"{NAME} returned None: end your function with a `return` statement.")
    if hasattr(result, "log_prob"):
        raise CheckFailed(f"{NAME} returned a TFP distribution; return the sampled images themselves (an array).")
    if hasattr(result, "numpy") and not isinstance(result, np.ndarray):
        result = result.numpy()  # a tf.Tensor is accepted: its values are what matters here
    if not isinstance(result, np.ndarray):
        raise CheckFailed(f"{NAME} returned {type(result).__name__}; return a float32 numpy array.")
    if result.dtype != np.float32:
        advice = " (comparisons give booleans)" if result.dtype == bool else ""
        raise CheckFailed(f"{NAME} returned dtype {result.dtype}; expected float32{advice}.")
    expected = (n, 28, 28, 1)
    if result.shape != expected:
        hint = " Add a channel axis at the end." if result.shape == (n, 28, 28) else ""
        raise CheckFailed(f"{NAME} returned shape {fmt_shape(result.shape)} for images of shape "
                          f"{fmt_shape((n, 28, 28))}; expected {fmt_shape(expected)}.{hint}")
    values = np.unique(result)
    if not np.all(np.isin(values, (0.0, 1.0))):
        raise CheckFailed(f"{NAME}: every value must be exactly 0 or 1 (a sample, not a probability); yours include "
                          f"{values[~np.isin(values, (0.0, 1.0))][0]:.4g}.")
    return result


def _grey_levels():
    """COPIES images, each holding every grey level 0..255 (the rest of the image is black)."""
    image = np.zeros((28, 28), np.uint8)
    image.reshape(-1)[:256] = np.arange(256, dtype=np.uint8)
    return np.repeat(image[None], COPIES, axis=0)  # (COPIES, 28, 28)


def _judge_frequencies(got):
    freq = got[..., 0].reshape(COPIES, -1)[:, :256].mean(axis=0)  # (256,): fraction of ones per grey level
    p = np.arange(256) / 255.0
    se = np.sqrt(np.maximum(p * (1 - p), 1e-12) / COPIES)
    tol = 6 * se + 1.0 / COPIES  # binomial tails are heavier than normal near p = 0 and 1
    bad = np.abs(freq - p) > tol
    if not bad.any():
        return
    if np.all(np.abs(freq - (p > 0.5)) < 1e-9):
        raise CheckFailed(f"{NAME}: your result is the static threshold at 1/2 (exercise 01.1); here each pixel is "
                          "random, 1 with probability pixel / 255.")
    if np.mean(np.abs(freq - (1 - p)) < tol) > 0.95:
        raise CheckFailed(f"{NAME}: black and white are swapped: a pixel must be 1 with probability pixel / 255, "
                          "so bright pixels are mostly 1.")
    if np.all(freq[1:] == 1.0):
        raise CheckFailed(f"{NAME}: every pixel above 0 became 1: the probability is the grey level scaled to [0, 1] "
                          "(divide by 255).")
    if freq[0] != 0.0 or freq[255] != 1.0:
        raise CheckFailed(f"{NAME}: a black pixel (0) must always give 0 and a white one (255) always 1; yours gave 1 "
                          f"in {freq[0]:.0%} of the black and {freq[255]:.0%} of the white pixels.")
    if np.all(got == got[:1]):
        raise CheckFailed(f"{NAME}: all {COPIES} copies of the same image came out identical: every image reuses the same "
                          "random numbers. Every image needs random numbers of its own (draw one per pixel of every "
                          "image, for the whole batch at once).")
    level = int(np.argmax(np.abs(freq - p) / se))
    raise CheckFailed(f"{NAME}: pixels of grey level {level} became 1 in {freq[level]:.1%} of {COPIES} images; expected "
                      f"about {p[level]:.1%} (= {level}/255). Each pixel must be 1 with probability pixel / 255.")


def _chi2_bounds(df):
    """(low, high): the chi-square quantiles at ∓Z_LIMIT standard normal deviations (Wilson-Hilferty)."""
    c = 2.0 / (9.0 * df)
    return tuple(df * (1 - c + z * np.sqrt(c)) ** 3 for z in (-Z_LIMIT, Z_LIMIT))


def _correlation(a, b, p):
    """z-score of Σ (a − p)(b − p) / (p(1 − p)) over paired independent Bernoulli(p) values, and their correlation."""
    u, v = (a.astype(np.float64) - p).ravel(), (b.astype(np.float64) - p).ravel()
    products = u * v / (p * (1 - p))
    return products.sum() / np.sqrt(products.size), float(np.corrcoef(u, v)[0, 1])


def _judge_independence(got):
    """got: (COPIES, 28, 28) samples of uniform grey GREY; fails when pixels or images share their random numbers."""
    p = GREY / 255.0
    zh, rh = _correlation(got[:, :, :-1], got[:, :, 1:], p)  # horizontal neighbours
    zv, rv = _correlation(got[:, :-1, :], got[:, 1:, :], p)  # vertical neighbours
    zi, ri = _correlation(got[:-1], got[1:], p)  # the same pixel in consecutive images
    if abs(zh) > Z_LIMIT and abs(zv) > Z_LIMIT:
        raise CheckFailed(f"{NAME}: pixels of one image are not independent (correlation of neighbours {rh:.2f} along "
                          f"rows, {rv:.2f} along columns, on uniformly grey images): the pixels of an image share "
                          "their random numbers. Each pixel needs a random number of its own.")
    if abs(zh) > Z_LIMIT or abs(zv) > Z_LIMIT:
        along, r = ("a row", rh) if abs(zh) > Z_LIMIT else ("a column", rv)
        raise CheckFailed(f"{NAME}: neighbouring pixels along {along} are correlated ({r:.2f}, on uniformly grey "
                          f"images): the pixels of {along} share their random numbers. Each pixel needs a random "
                          "number of its own.")
    if abs(zi) > Z_LIMIT:
        how = "mirror each other's random numbers (as u and 1 − u do)" if ri < 0 else "share their random numbers"
        raise CheckFailed(f"{NAME}: consecutive images are correlated ({ri:.2f} for the same pixel, on uniformly grey "
                          f"images): they {how}. Every image needs random numbers of its own.")
    flat = got.reshape(COPIES, -1).astype(np.float64)  # (COPIES, 784)
    for counts, n, what in ((flat.sum(1), flat.shape[1], "per image"), (flat.sum(0), COPIES, "per pixel position")):
        chi2 = float(np.sum((counts - n * p) ** 2) / (n * p * (1 - p)))
        low, high = _chi2_bounds(counts.size)
        if not low <= chi2 <= high:
            spread = "far more" if chi2 > high else "far less"
            raise CheckFailed(f"{NAME}: the number of ones {what} varies {spread} than independent pixels allow (on "
                              f"uniformly grey images, chi-square {chi2:.0f} for {counts.size} counts, expected "
                              f"{low:.0f} to {high:.0f}): some pixels or images share, or pair up, their random "
                              "numbers. Draw one independent random number per pixel of every image.")


@checked(NAME)
def check_dynamic_binarize(dynamic_binarize) -> None:
    """Checks the learner's ``dynamic_binarize``: values, shape, the frequency of ones per grey level, the seed."""
    __tracebackhide__ = True
    images = _grey_levels()
    refuse(dynamic_binarize, NAME, {"images": images[:2], "seed": 1})
    first = _as_array(call(dynamic_binarize, NAME, {"images": images, "seed": 1}), COPIES)
    _judge_frequencies(first)
    again = _as_array(call(dynamic_binarize, NAME, {"images": images, "seed": 1}), COPIES)
    if not np.array_equal(first, again):
        raise CheckFailed(f"{NAME} gave different images for the same seed: draw the random numbers from a generator "
                          "created from `seed` inside your function, not from a global one.")
    other = _as_array(call(dynamic_binarize, NAME, {"images": images, "seed": 2}), COPIES)
    if np.array_equal(first, other):
        raise CheckFailed(f"{NAME} gave the same images for seeds 1 and 2: the seed must choose the random draws.")
    _judge_frequencies(other)
    grey = np.full((COPIES, 28, 28), GREY, np.uint8)
    _judge_independence(_as_array(call(dynamic_binarize, NAME, {"images": grey, "seed": 4}), COPIES)[..., 0])
    rows = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    _as_array(call(dynamic_binarize, NAME, {"images": rows, "seed": 3}), 3)
    _as_array(call(dynamic_binarize, NAME, {"images": np.zeros((0, 28, 28), np.uint8), "seed": 3}), 0)
    success(NAME, f"ones at the rate pixel/255 for all 256 grey levels ({COPIES} images, 2 seeds), "
                  "independent across pixels and images, reproducible from its seed, different across seeds")
