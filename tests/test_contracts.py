"""Tests of vae_course.contracts: the integer checks, and that the module stays free of TensorFlow."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from vae_course.contracts import (ESTIMATORS, IMAGE_SHAPE, check_momentum, is_positive_int, nonnegative_int,
                                  positive_int)


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(1)])
def test_positive_int_accepts_positive_integers_and_returns_a_python_int(value):
    assert is_positive_int(value)
    result = positive_int(value, "n")
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize("value", [0, -1, True, 1.0, 2.5, "3", None, np.float32(2)])
def test_positive_int_refuses_zero_negatives_bools_floats_and_strings(value):
    assert not is_positive_int(value)
    with pytest.raises(ValueError, match=r"^n must be a positive integer, got "):
        positive_int(value, "n")


@pytest.mark.parametrize("value", [0, 5, np.int32(0)])
def test_nonnegative_int_accepts_zero(value):
    result = nonnegative_int(value, "seed")
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize("value", [-1, np.int64(-3), False, 0.0, "0"])
def test_nonnegative_int_refuses_negatives_bools_floats_and_strings(value):
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, got "):
        nonnegative_int(value, "seed")


def test_the_shared_constants():
    assert IMAGE_SHAPE == (28, 28, 1) and ESTIMATORS == ("analytic", "mc")


def test_importing_contracts_imports_neither_tensorflow_nor_numpy():
    code = ("import sys, vae_course.contracts; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'numpy', 'keras')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("value", [0, 0.0, 0.5, 0.999, np.float32(0.9)])
def test_check_momentum_accepts_zero_up_to_but_not_one(value):
    assert check_momentum(value) == pytest.approx(float(value)) and type(check_momentum(value)) is float


@pytest.mark.parametrize("value", [1, 1.0, -0.1, float("nan"), float("inf"), True, "0.5", None])
def test_check_momentum_refuses_the_rest_naming_the_range(value):
    with pytest.raises(ValueError, match=r"^m must be in \[0, 1\) \(0 turns weight averaging off\), got "):
        check_momentum(value, "m")
