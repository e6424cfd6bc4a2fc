"""Tests of vae_course.demos.latent_paths against closed forms written independently here."""
import numpy as np
import pytest
import tensorflow as tf

from vae_course.demos.latent_paths import linear_path, path_weights, spherical_path


def f32(*values):
    return np.array(values, np.float32)


def test_path_weights_are_evenly_spaced_from_0_to_1():
    np.testing.assert_allclose(path_weights(5), [0.0, 0.25, 0.5, 0.75, 1.0])
    assert path_weights(2).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("n", [1, 0, -3, 2.0, True, "5"])
def test_path_weights_refuse_fewer_than_two_points_or_non_integers(n):
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        path_weights(n)


def test_linear_path_matches_per_coordinate_interpolation():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 7)).astype(np.float32)
    z = linear_path(a, b, n=9)
    assert isinstance(z, tf.Tensor) and z.dtype == tf.float32 and z.shape == (9, 7)
    t = np.linspace(0, 1, 9)
    reference = np.stack([np.interp(t, [0.0, 1.0], [a[d], b[d]]) for d in range(7)], axis=1)  # (9, 7)
    np.testing.assert_allclose(z.numpy(), reference, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(z.numpy()[0], a)
    np.testing.assert_allclose(z.numpy()[-1], b, rtol=1e-6)
    steps = np.diff(z.numpy().astype(np.float64), axis=0)  # equal steps along a straight line
    np.testing.assert_allclose(steps, np.broadcast_to((b - a) / 8, steps.shape), rtol=1e-4, atol=1e-6)


def test_spherical_path_in_2d_is_polar_interpolation():
    # a at angle 0.3 with length 1, b at angle 1.5 with length 3: z_t has angle 0.3 + 1.2 t, length 1 + 2 t.
    a = f32(np.cos(0.3), np.sin(0.3))
    b = 3 * f32(np.cos(1.5), np.sin(1.5))
    t = np.linspace(0, 1, 7)
    angle, length = 0.3 + 1.2 * t, 1 + 2 * t
    reference = np.stack([length * np.cos(angle), length * np.sin(angle)], axis=1)
    np.testing.assert_allclose(spherical_path(a, b, n=7).numpy(), reference, rtol=1e-5, atol=1e-6)


def test_spherical_path_with_equal_norms_is_whites_slerp_and_keeps_the_norm():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 32))
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    omega = np.arccos(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    t = np.linspace(0, 1, 11)[:, None]
    reference = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
    z = spherical_path(a.astype(np.float32), b.astype(np.float32), n=11).numpy()
    assert z.dtype == np.float32 and z.shape == (11, 32)
    np.testing.assert_allclose(z, reference, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), np.linalg.norm(a), rtol=1e-5)


def test_spherical_path_turns_at_constant_speed_in_the_plane_of_the_endpoints():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 16)).astype(np.float32)
    b *= 2.5
    z = spherical_path(a, b, n=6).numpy().astype(np.float64)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    omega = np.arccos(a64 @ b64 / (np.linalg.norm(a64) * np.linalg.norm(b64)))
    t = np.linspace(0, 1, 6)
    angles = np.arccos(np.clip(z @ a64 / (np.linalg.norm(z, axis=1) * np.linalg.norm(a64)), -1, 1))
    np.testing.assert_allclose(angles, t * omega, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), (1 - t) * np.linalg.norm(a64) + t * np.linalg.norm(b64),
                               rtol=1e-5)
    basis, _ = np.linalg.qr(np.stack([a64, b64], axis=1))  # (16, 2): the plane spanned by a and b
    residual = z - (z @ basis) @ basis.T
    assert np.abs(residual).max() < 1e-4
    np.testing.assert_allclose(z[0], a64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(z[-1], b64, rtol=1e-5, atol=1e-5)


def test_spherical_path_of_parallel_codes_only_changes_the_length():
    a = f32(1.0, 2.0, -2.0)
    z = spherical_path(a, 3 * a, n=3).numpy()
    np.testing.assert_allclose(z, [a, 2 * a, 3 * a], rtol=1e-6)
    nearly = spherical_path(a, 3 * a + f32(0.0, 1e-5, 1e-5), n=3).numpy()  # tiny angle: continuous with the above
    np.testing.assert_allclose(nearly, z, rtol=1e-4, atol=1e-4)


def test_spherical_path_refuses_zero_and_opposite_endpoints():
    with pytest.raises(ValueError, match="non-zero"):
        spherical_path(f32(0.0, 0.0), f32(1.0, 0.0))
    with pytest.raises(ValueError, match="opposite directions"):
        spherical_path(f32(1.0, 2.0), f32(-2.0, -4.0))
    linear_path(f32(1.0, 2.0), f32(-2.0, -4.0))  # the straight segment is fine


def test_spherical_midpoints_of_prior_samples_keep_the_typical_norm_and_linear_ones_do_not():
    # The module docstring's claim: ||z|| of N(0, I) samples is near sqrt(D); linear midpoints near sqrt(D / 2).
    d = 32
    rng = np.random.default_rng(3)
    pairs = rng.normal(size=(200, 2, d)).astype(np.float32)
    lin = np.array([np.linalg.norm(linear_path(a, b, n=3).numpy()[1]) for a, b in pairs])
    sph = np.array([np.linalg.norm(spherical_path(a, b, n=3).numpy()[1]) for a, b in pairs])
    ends = np.linalg.norm(pairs, axis=2).ravel()
    assert abs(np.median(ends) - np.sqrt(d)) < 0.3
    assert abs(np.median(sph) - np.sqrt(d)) < 0.3
    assert abs(np.median(lin) - np.sqrt(d / 2)) < 0.3


@pytest.mark.parametrize("path", [linear_path, spherical_path])
def test_paths_refuse_bad_inputs(path):
    a = f32(1.0, 2.0)
    with pytest.raises(TypeError, match="float32"):
        path(np.array([1.0, 2.0]), a)  # float64
    with pytest.raises(ValueError, match=r"\(D,\)"):
        path(a[None], a[None])  # (1, D): a batch row, not a vector
    with pytest.raises(ValueError, match="same shape"):
        path(a, f32(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="NaN or infinite"):
        path(a, f32(1.0, np.nan))
    with pytest.raises(ValueError, match="at least one dimension"):
        path(f32(), f32())
    with pytest.raises(ValueError, match="n must be"):
        path(a, a + 1, n=1)
