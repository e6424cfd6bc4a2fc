"""The convolutional VAE: encoder q(z|x), decoder p(x|z), their pair and weight files (lessons 05 and 07).

The default sizes are the TF CVAE tutorial's: two Conv2D (32, 64 filters, stride 2) and
Dense(2·D) in the encoder; Dense(7·7·32) and three Conv2DTranspose (64, 32, 1) in the decoder.
Both networks output the parameters of a conditional distribution: the encoder those of the
Gaussian q(z|x) (``mean``, ``logvar``), the decoder the Bernoulli logits of p(x|z). The shipped
weights are loaded by :mod:`vae_course.pretrained`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import tensorflow as tf

from vae_course.atomic_write import atomic_write
from vae_course.contracts import IMAGE_SHAPE, is_positive_int
from vae_course.distributions import decoder_distribution, reparameterize
from vae_course.validation import after_checks, as_float32, check_finite, check_rank

layers = tf.keras.layers

__all__ = ["ModelConfig", "Encoder", "Decoder", "CVAE", "reconstruction_distribution", "save_weights", "load_weights", "model_config_dict"]


@dataclass(frozen=True)
class ModelConfig:
    latent_dim: int = 2  # D, the size of z
    filters: tuple = (32, 64)  # encoder Conv2D filters, stride 2 each; the decoder mirrors them
    kernel_size: int = 3  # square kernels everywhere
    decoder_channels: int = 32  # channels of the 7x7 map the decoder's Dense layer produces

    def __post_init__(self):
        for name in ("latent_dim", "kernel_size", "decoder_channels"):
            value = getattr(self, name)
            if not is_positive_int(value):
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
            object.__setattr__(self, name, int(value))
        filters = tuple(self.filters) if isinstance(self.filters, (tuple, list)) else None
        if filters is None or len(filters) != 2 or not all(is_positive_int(f) for f in filters):
            raise ValueError(f"filters must be two positive integers, e.g. (32, 64), got {self.filters!r}: the "
                             "decoder upsamples its 7x7 map once per entry, and twice gives 28x28.")
        object.__setattr__(self, "filters", tuple(int(f) for f in filters))


def _check_images(x, name="x"):
    x = as_float32(x, name, "(B, 28, 28, 1)")
    check_rank(x, 4, name, "(B, 28, 28, 1)" + (" (add the channel axis with x[..., None])" if x.shape.rank == 3 else ""))
    if tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape (B, 28, 28, 1), got {tuple(x.shape)}.")
    (x,) = after_checks(check_finite(x, name), x)
    return x


class Encoder(tf.keras.Model):
    """x (B, 28, 28, 1) -> (mean, logvar), each (B, D): the parameters of q(z|x)."""

    def __init__(self, config: ModelConfig = ModelConfig(), **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.convs = [layers.Conv2D(f, config.kernel_size, strides=2, activation="relu") for f in config.filters]
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(2 * config.latent_dim)  # no activation: mean and logvar are unconstrained

    def call(self, x):
        h = x  # (B, 28, 28, 1)
        for conv in self.convs:
            h = conv(h)  # (B, 13, 13, 32), then (B, 6, 6, 64)
        mean, logvar = tf.split(self.dense(self.flatten(h)), 2, axis=-1)  # (B, D) each
        return mean, logvar


class Decoder(tf.keras.Model):
    """z (B, D) -> x_logits (B, 28, 28, 1): the Bernoulli logits of p(x|z), not an image."""

    def __init__(self, config: ModelConfig = ModelConfig(), **kwargs):
        super().__init__(**kwargs)
        self.config = config
        c = config.decoder_channels
        self.dense = layers.Dense(7 * 7 * c, activation="relu")
        self.reshape = layers.Reshape((7, 7, c))
        self.deconvs = [layers.Conv2DTranspose(f, config.kernel_size, strides=2, padding="same", activation="relu")
                        for f in reversed(config.filters)]
        self.to_logits = layers.Conv2DTranspose(1, config.kernel_size, strides=1, padding="same")  # no activation

    def call(self, z):
        h = self.reshape(self.dense(z))  # (B, 7, 7, 32)
        for deconv in self.deconvs:
            h = deconv(h)  # (B, 14, 14, 64), then (B, 28, 28, 32)
        return self.to_logits(h)  # (B, 28, 28, 1)


class CVAE(tf.keras.Model):
    """The convolutional VAE (lesson 07), with the TF tutorial's interface.

    ``encode(x) -> (mean, logvar)``, ``decode(z) -> x_logits``, ``reparameterize(mean, logvar, eps)``.
    """

    def __init__(self, latent_dim: int | None = None, config: ModelConfig | None = None, **kwargs):
        """Give ``latent_dim`` (default 2) or a whole ``config``; both only if they agree."""
        if config is None:
            config = ModelConfig(latent_dim=2 if latent_dim is None else latent_dim)
        elif latent_dim is not None and latent_dim != config.latent_dim:
            raise ValueError(f"CVAE(latent_dim={latent_dim!r}, config=...) conflicts with config.latent_dim="
                             f"{config.latent_dim}; give one of them, e.g. CVAE(config=ModelConfig(latent_dim="
                             f"{latent_dim!r})).")
        super().__init__(**kwargs)
        self.config = config
        self.latent_dim = self.config.latent_dim
        self.encoder = Encoder(self.config)
        self.decoder = Decoder(self.config)
        self.encoder(tf.zeros((1, *IMAGE_SHAPE)))  # create the weights now, so they can be loaded
        self.decoder(tf.zeros((1, self.latent_dim)))
        self.built = True  # Keras refuses save_weights/load_weights on a model it considers unbuilt

    def encode(self, x):
        """x (B, 28, 28, 1) -> mean, logvar, each (B, D)."""
        return self.encoder(_check_images(x))

    def decode(self, z, apply_sigmoid=False):
        """z (B, D) -> x_logits (B, 28, 28, 1); with ``apply_sigmoid`` the Bernoulli means instead."""
        z = as_float32(z, "z", f"(B, {self.latent_dim})")
        check_rank(z, 2, "z", f"(B, {self.latent_dim})")
        if z.shape[-1] is not None and z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must have shape (B, {self.latent_dim}) for this model, got {tuple(z.shape)}.")
        (z,) = after_checks(check_finite(z, "z"), z)
        x_logits = self.decoder(z)
        return tf.sigmoid(x_logits) if apply_sigmoid else x_logits

    @staticmethod
    def reparameterize(mean, logvar, eps):
        """z = mean + exp(½·logvar) ⊙ eps, (B, D)."""
        return reparameterize(mean, logvar, eps)

    def call(self, x, eps=None):
        """Reconstruction logits (B, 28, 28, 1): decode the posterior mean, or a sample given ``eps``."""
        mean, logvar = self.encode(x)
        z = mean if eps is None else reparameterize(mean, logvar, eps)
        return self.decoder(z)


def reconstruction_distribution(model: CVAE, x, eps=None):
    """p(x|z) for the codes of ``x``: encode, z = mean (or mean + σ ⊙ ``eps``), decode (lessons 05, 08).

    The one place the package writes this recipe; the run report and the figures use it.

    Args:
        model: a CVAE. x: (B, 28, 28, 1) binary or in [0, 1].
        eps: None for z = the encoder mean, else (B, D) standard-normal noise.

    Returns:
        p(x|z) from :func:`vae_course.distributions.decoder_distribution`: batch shape (B,), event
        shape (28, 28, 1); ``.mean()`` the Bernoulli means, ``.distribution.logits`` the x_logits.
    """
    mean, logvar = model.encode(x)  # (B, D) each
    z = mean if eps is None else reparameterize(mean, logvar, eps)  # (B, D)
    return decoder_distribution(model.decode(z))


def save_weights(model: CVAE, path) -> Path:
    """Writes the model's weights (Keras ``.weights.h5``, no pickle) atomically: temp file, then rename."""
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"weights file name must end in .weights.h5, got {path.name}.")
    # Keras insists on the ".weights.h5" suffix, which atomic_write's temporary name keeps.
    return atomic_write(path, lambda tmp: model.save_weights(tmp))


def load_weights(model: CVAE, path) -> CVAE:
    """Loads ``.weights.h5`` into ``model``; a missing, corrupt or mismatched file gets a clear error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} not found; expected a .weights.h5 file written by save_weights.")
    try:
        model.load_weights(str(path))
    except (ValueError, OSError, KeyError, TypeError) as err:
        raise ValueError(f"cannot load weights from {path} into a CVAE with {model.config}: the file is corrupt "
                         f"or was saved from a model of other sizes ({err}). Re-create it with save_weights, "
                         f"or build the model with the sizes recorded next to the file.") from err
    return model


def model_config_dict(config: ModelConfig) -> dict:
    """A JSON-ready dict of ``config``."""
    return {**asdict(config), "filters": list(config.filters)}
