"""Digit-like binary images drawn with numpy: inputs for tests that must not need MNIST."""
from __future__ import annotations

import numpy as np


def draw_binary_digits(n: int, seed: int = 0) -> np.ndarray:
    """``n`` digit-like binary images, float32 (n, 28, 28, 1) in {0, 1}, drawn with numpy alone.

    Strokes about 3 pixels wide, like MNIST's: rings (a "0"), vertical bars (a "1") and slanted
    lines (a "7" without its bar), at seeded positions and sizes; about 10-20 % of the pixels are on.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]  # (28, 28) each
    images = np.zeros((n, 28, 28), bool)
    for i in range(n):
        cy, cx = rng.uniform(11, 17, size=2)
        if i % 3 == 0:
            images[i] = np.abs(np.hypot(yy - cy, xx - cx) - rng.uniform(5, 9)) < 1.5
        elif i % 3 == 1:
            images[i] = (np.abs(xx - cx) < 1.5) & (np.abs(yy - cy) < rng.uniform(6, 10))
        else:
            slope = rng.uniform(-0.8, 0.8)
            images[i] = (np.abs((xx - cx) - slope * (yy - cy)) < 1.5) & (np.abs(yy - cy) < 9)
    return images.astype(np.float32)[..., None]
