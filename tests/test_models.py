"""Tests of vae_course.models: the tutorial's architecture, shapes, sizes, weight files, bad input."""
from __future__ import annotations

import dataclasses
import pickle
import re

import h5py
import numpy as np
import pytest
import tensorflow as tf

from vae_course.models import CVAE, ModelConfig, load_weights, reconstruction_distribution, save_weights
from vae_course.pretrained import pretrained_info

layers = tf.keras.layers
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def tutorial_networks(latent_dim):
    """The encoder and decoder exactly as written in the TF CVAE tutorial (Keras 3 Input instead of InputLayer)."""
    encoder = tf.keras.Sequential([
        tf.keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(filters=32, kernel_size=3, strides=(2, 2), activation="relu"),
        layers.Conv2D(filters=64, kernel_size=3, strides=(2, 2), activation="relu"),
        layers.Flatten(),
        layers.Dense(latent_dim + latent_dim),
    ])
    decoder = tf.keras.Sequential([
        tf.keras.Input(shape=(latent_dim,)),
        layers.Dense(units=7 * 7 * 32, activation=tf.nn.relu),
        layers.Reshape(target_shape=(7, 7, 32)),
        layers.Conv2DTranspose(filters=64, kernel_size=3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(filters=32, kernel_size=3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(filters=1, kernel_size=3, strides=1, padding="same"),
    ])
    return encoder, decoder


def expected_param_count(latent_dim, filters=(32, 64), kernel_size=3, decoder_channels=32):
    """Parameters of the CVAE from its layer sizes: weights plus biases of each layer."""
    k, (f1, f2), c, d = kernel_size, filters, decoder_channels, latent_dim
    side1 = (28 - k) // 2 + 1  # 'valid' convolution, stride 2
    side2 = (side1 - k) // 2 + 1
    encoder = (k * k * 1 * f1 + f1) + (k * k * f1 * f2 + f2) + (side2 * side2 * f2 * 2 * d + 2 * d)
    decoder = (d * 7 * 7 * c + 7 * 7 * c) + (k * k * c * f2 + f2) + (k * k * f2 * f1 + f1) + (k * k * f1 * 1 + 1)
    return encoder, decoder


def layer_output_shapes(model, batch=2):
    """Shapes after each layer of the encoder and the decoder, applied one by one."""
    enc, dec = model.encoder, model.decoder
    shapes = []
    h = tf.zeros((batch, 28, 28, 1))
    for layer in [*enc.convs, enc.flatten, enc.dense]:
        h = layer(h)
        shapes.append(tuple(h.shape))
    h = tf.zeros((batch, model.latent_dim))
    for layer in [dec.dense, dec.reshape, *dec.deconvs, dec.to_logits]:
        h = layer(h)
        shapes.append(tuple(h.shape))
    return shapes


@pytest.fixture(scope="module")
def model():
    tf.keras.utils.set_random_seed(0)
    return CVAE(latent_dim=2)


@pytest.fixture(scope="module")
def x(synthetic_binary_images):
    return synthetic_binary_images[:8]  # (8, 28, 28, 1), drawn binary digits: no MNIST needed


# ---------- architecture ----------

@pytest.mark.parametrize("latent_dim", [2, 32])
def test_default_architecture_is_the_tutorials(latent_dim):
    model = CVAE(latent_dim)
    t_enc, t_dec = tutorial_networks(latent_dim)
    assert layer_output_shapes(model) == [(2, *layer.output.shape[1:]) for layer in [*t_enc.layers, *t_dec.layers]]
    assert layer_output_shapes(model) == [(2, 13, 13, 32), (2, 6, 6, 64), (2, 2304), (2, 2 * latent_dim),
                                          (2, 1568), (2, 7, 7, 32), (2, 14, 14, 64), (2, 28, 28, 32), (2, 28, 28, 1)]
    enc_params, dec_params = expected_param_count(latent_dim)
    assert model.encoder.count_params() == enc_params == t_enc.count_params()
    assert model.decoder.count_params() == dec_params == t_dec.count_params()
    assert sum(int(np.prod(v.shape)) for v in model.trainable_variables) == enc_params + dec_params
    if latent_dim == 2:
        assert enc_params + dec_params == 69989  # by hand: 28,036 (encoder) + 41,953 (decoder)


def test_same_weights_give_the_tutorials_outputs(model, x):
    """Copy our weights into the tutorial's networks: activations, strides and paddings must agree."""
    t_enc, t_dec = tutorial_networks(2)
    for ours, theirs in ((model.encoder, t_enc), (model.decoder, t_dec)):
        assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
        for v_ours, v_theirs in zip(ours.variables, theirs.variables):
            v_theirs.assign(v_ours)
    mean, logvar = model.encode(x)
    t_mean, t_logvar = tf.split(t_enc(x), num_or_size_splits=2, axis=1)
    np.testing.assert_allclose(mean, t_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(logvar, t_logvar, rtol=1e-5, atol=1e-6)
    z = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    np.testing.assert_allclose(model.decode(z), t_dec(z), rtol=1e-5, atol=1e-5)


def test_layer_settings(model):
    convs, dense = model.encoder.convs, model.encoder.dense
    assert [(c.filters, c.kernel_size, c.strides, c.padding) for c in convs] == [
        (32, (3, 3), (2, 2), "valid"), (64, (3, 3), (2, 2), "valid")]
    assert all(c.activation is tf.keras.activations.relu for c in convs)
    assert dense.activation is tf.keras.activations.linear  # mean and logvar are unconstrained
    deconvs = [*model.decoder.deconvs, model.decoder.to_logits]
    assert [(c.filters, c.strides, c.padding) for c in deconvs] == [(64, (2, 2), "same"), (32, (2, 2), "same"),
                                                                    (1, (1, 1), "same")]
    assert deconvs[-1].activation is tf.keras.activations.linear  # logits, not probabilities


def test_configurable_sizes():
    config = ModelConfig(latent_dim=8, filters=(16, 24), kernel_size=5, decoder_channels=8)
    model = CVAE(config=config)
    assert model.latent_dim == 8 and model.config == config
    assert layer_output_shapes(model) == [(2, 12, 12, 16), (2, 4, 4, 24), (2, 384), (2, 16),
                                          (2, 392), (2, 7, 7, 8), (2, 14, 14, 24), (2, 28, 28, 16), (2, 28, 28, 1)]
    enc_params, dec_params = expected_param_count(8, (16, 24), 5, 8)
    assert (model.encoder.count_params(), model.decoder.count_params()) == (enc_params, dec_params)
    assert CVAE(latent_dim=5).config == ModelConfig(latent_dim=5)


def test_latent_dim_and_config_must_agree():
    with pytest.raises(ValueError, match=r"latent_dim=32.*config.latent_dim=2"):
        CVAE(latent_dim=32, config=ModelConfig())  # once built latent 2 silently
    assert CVAE(latent_dim=3, config=ModelConfig(latent_dim=3)).latent_dim == 3  # agreeing is fine
    assert CVAE(config=ModelConfig(latent_dim=4)).latent_dim == 4 and CVAE().latent_dim == 2


def test_reconstruction_distribution_decodes_the_mean_or_a_reparameterized_sample(model, x):
    mean, logvar = (t.numpy() for t in model.encoder(x))  # the Keras networks, not the package's recipe
    eps = np.random.default_rng(0).normal(size=mean.shape).astype(np.float32)
    for noise, z in ((None, mean), (eps, mean + np.exp(0.5 * logvar) * eps)):
        x_logits = model.decoder(z.astype(np.float32)).numpy().astype(np.float64)  # (8, 28, 28, 1)
        px_z = reconstruction_distribution(model, x, noise)
        np.testing.assert_allclose(px_z.mean(), 1 / (1 + np.exp(-x_logits)), atol=1e-6)
        log_px = np.sum(x * x_logits - np.logaddexp(0.0, x_logits), axis=(1, 2, 3))  # Bernoulli, by hand
        np.testing.assert_allclose(px_z.log_prob(x), log_px, rtol=1e-5)


# ---------- shapes of encode, decode, call ----------

def test_encode_decode_shapes_and_values(model, x):
    mean, logvar = model.encode(x)
    assert mean.shape == logvar.shape == (8, 2) and mean.dtype == logvar.dtype == tf.float32
    z = model.reparameterize(mean, logvar, tf.ones_like(mean))
    np.testing.assert_allclose(z, mean + tf.exp(0.5 * logvar), rtol=1e-6)
    x_logits = model.decode(z)
    assert x_logits.shape == (8, 28, 28, 1) and x_logits.dtype == tf.float32
    probs = model.decode(z, apply_sigmoid=True)
    np.testing.assert_allclose(probs, 1.0 / (1.0 + np.exp(-x_logits.numpy().astype(np.float64))), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model(x), model.decode(mean), rtol=1e-6, atol=1e-6)  # call: the posterior mean
    eps = np.full((8, 2), 0.5, np.float32)
    np.testing.assert_allclose(model(x, eps=eps), model.decode(mean + tf.exp(0.5 * logvar) * eps), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("batch", [1, 3])
def test_any_batch_size(model, batch):
    mean, logvar = model.encode(np.zeros((batch, 28, 28, 1), np.float32))
    assert mean.shape == (batch, 2) and model.decode(mean).shape == (batch, 28, 28, 1)


# ---------- weight files ----------

def test_save_and_load_weights_round_trip(model, x, tmp_path):
    path = save_weights(model, tmp_path / "m.weights.h5")
    assert path == tmp_path / "m.weights.h5" and sorted(p.name for p in tmp_path.iterdir()) == ["m.weights.h5"]
    fresh = CVAE(latent_dim=2)
    assert not np.array_equal(fresh.encode(x)[0], model.encode(x)[0])
    assert load_weights(fresh, path) is fresh
    for a, b in zip(fresh.variables, model.variables):
        assert np.array_equal(a.numpy(), b.numpy())
    for a, b in zip(fresh.encode(x), model.encode(x)):
        assert np.array_equal(a.numpy(), b.numpy())
    z = np.linspace(-2, 2, 8 * 2, dtype=np.float32).reshape(8, 2)
    assert np.array_equal(fresh.decode(z).numpy(), model.decode(z).numpy())


def test_weights_file_is_hdf5_not_pickle(model, tmp_path):
    path = save_weights(model, tmp_path / "m.weights.h5")
    data = path.read_bytes()
    assert data.startswith(HDF5_SIGNATURE)
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(data)
    arrays = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: arrays.append(obj) if isinstance(obj, h5py.Dataset) and obj.shape else None)
        assert len(arrays) == len(model.variables)
        assert all(a.dtype == np.float32 for a in arrays)  # plain numbers, no objects
        assert sorted(int(np.prod(a.shape)) for a in arrays) == sorted(int(np.prod(v.shape)) for v in model.variables)


def test_save_weights_needs_the_keras_suffix(model, tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.weights\.h5"):
        save_weights(model, tmp_path / "m.h5")


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file" * 10, "truncated"])
def test_load_weights_of_a_corrupt_file(model, tmp_path, content):
    path = tmp_path / "bad.weights.h5"
    if content == "truncated":
        data = save_weights(model, tmp_path / "good.weights.h5").read_bytes()
        content = data[: len(data) // 2]
    path.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(str(path)) + r".*corrupt.*Re-create it with save_weights"):
        load_weights(CVAE(latent_dim=2), path)


@pytest.mark.parametrize("config", [ModelConfig(latent_dim=32), ModelConfig(filters=(16, 64))])
def test_load_weights_of_another_model(model, tmp_path, config):
    path = save_weights(model, tmp_path / "latent2.weights.h5")
    with pytest.raises(ValueError, match=re.escape(str(path)) + r".*other sizes"):
        load_weights(CVAE(config=config), path)


def test_load_weights_of_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_weights(CVAE(latent_dim=2), tmp_path / "none.weights.h5")


def test_pretrained_info_refuses_unshipped_sizes():
    with pytest.raises(ValueError, match=r"no pretrained model for latent_dim=3; shipped: \(2, 32\)"):
        pretrained_info(3)


# ---------- bad input ----------

@pytest.mark.parametrize("shape,hint", [((2, 28, 28), r"x\[\.\.\., None\]"), ((2, 784), r"\(B, 28, 28, 1\)"),
                                        ((2, 28, 28, 3), r"\(B, 28, 28, 1\)"), ((2, 32, 32, 1), r"\(B, 28, 28, 1\)"),
                                        ((28, 28, 1), r"\(B, 28, 28, 1\)")])
def test_encode_refuses_wrong_shapes(model, shape, hint):
    with pytest.raises(ValueError, match=r"x must have shape .*" + hint):
        model.encode(np.zeros(shape, np.float32))


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64])
def test_encode_refuses_other_dtypes(model, dtype):
    with pytest.raises(TypeError, match=f"x must be float32.*got dtype {np.dtype(dtype).name}"):
        model.encode(np.zeros((2, 28, 28, 1), dtype))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_encode_and_decode_refuse_nan(model, bad):
    x = np.zeros((2, 28, 28, 1), np.float32)
    x[1, 2, 3, 0] = bad
    with pytest.raises(ValueError, match="x holds NaN or infinite values"):
        model.encode(x)
    with pytest.raises(ValueError, match="z holds NaN or infinite values"):
        model.decode(np.array([[0.0, bad]], np.float32))


@pytest.mark.parametrize("shape", [(2, 3), (2, 1), (2,), (2, 2, 1)])
def test_decode_refuses_wrong_shapes(model, shape):
    with pytest.raises(ValueError, match=r"z must have shape \(B, 2\)"):
        model.decode(np.zeros(shape, np.float32))


@pytest.mark.parametrize("dtype", [np.int32, np.float64])
def test_decode_refuses_other_dtypes(model, dtype):
    with pytest.raises(TypeError, match=f"z must be float32.*got dtype {np.dtype(dtype).name}"):
        model.decode(np.zeros((2, 2), dtype))


def test_model_checks_fire_inside_tf_function(model):
    encode = tf.function(model.encode)
    with pytest.raises(ValueError, match=r"x must have shape"):
        encode(tf.zeros((2, 28, 28)))
    x = np.zeros((2, 28, 28, 1), np.float32)
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match="x holds NaN or infinite values"):
        encode(x)


@pytest.mark.parametrize("changes", [dict(latent_dim=0), dict(latent_dim=-2), dict(latent_dim=2.5),
                                     dict(latent_dim=True), dict(filters=(16, 32, 64)), dict(filters=(32,)),
                                     dict(filters=(0, 64)), dict(filters=32), dict(kernel_size=0),
                                     dict(decoder_channels=0)])
def test_model_config_refuses_bad_sizes(changes):
    name = next(iter(changes))
    with pytest.raises(ValueError, match=f"{name} must be"):
        ModelConfig(**changes)


def test_model_config_is_frozen_and_normalized():
    config = ModelConfig(latent_dim=np.int64(4), filters=[8, 16])
    assert config.filters == (8, 16) and type(config.latent_dim) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.latent_dim = 3
