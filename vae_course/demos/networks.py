"""The encoder and decoder layer by layer: output shapes and parameter counts (lesson 07).

:func:`layer_table` lists, for each layer of a network, its name, its type, its output shape
(batch axis ``None``) and its number of parameters, read from the Keras layers themselves.
The closed forms a learner checks it against:

* Conv2D, "valid" padding: n_out = ⌊(n − k) / s⌋ + 1; "same": n_out = ⌈n / s⌉.
* Conv2DTranspose, "same" padding: n_out = n · s; "valid": n_out = (n − 1) · s + k.
* parameters of a (transposed) convolution: k · k · c_in · c_out + c_out; of a Dense layer: n_in · n_out + n_out.
"""
from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

from vae_course.contracts import IMAGE_SHAPE
from vae_course.models import Decoder, Encoder
from vae_course.validation import positive_int

__all__ = ["LayerRow", "layer_table", "format_layer_table", "conv_output_size"]


class LayerRow(NamedTuple):
    """One row of :func:`layer_table`."""

    name: str  # the Keras layer name, e.g. "conv2d"
    kind: str  # the layer's class, e.g. "Conv2D"
    output_shape: tuple  # e.g. (None, 13, 13, 32); None is the batch axis
    params: int  # number of weights and biases


def _input_shape(network, input_shape):
    if input_shape is not None:
        return tuple(input_shape)
    if isinstance(network, Encoder):
        return IMAGE_SHAPE  # (28, 28, 1)
    if isinstance(network, Decoder):
        return (network.config.latent_dim,)  # (D,)
    raise ValueError(f"cannot tell the input shape of a {type(network).__name__}; pass input_shape "
                     "without the batch axis, e.g. (28, 28, 1) for an encoder or (D,) for a decoder.")


def layer_table(network, input_shape=None) -> list[LayerRow]:
    """Each layer's output shape and parameter count, in the order the layers are applied (lesson 07).

    Args:
        network: a built Keras model whose layers form a chain, e.g. ``model.encoder`` or
            ``model.decoder`` of a :class:`vae_course.models.CVAE`.
        input_shape: the shape of one input without the batch axis; inferred for the course's
            Encoder (28, 28, 1) and Decoder (D,).

    Returns:
        A list of :class:`LayerRow`; the output shape of each row is the input of the next.

    Raises:
        ValueError: the network has no layers or is not built, or the input shape is unknown.
    """
    if not isinstance(network, tf.keras.Model):
        raise ValueError(f"network must be a Keras model such as model.encoder, got {type(network).__name__}.")
    if not network.layers or not network.built:
        raise ValueError(f"{network.name} has no built layers; call it once on an input (CVAE does) first.")
    shape = (None, *_input_shape(network, input_shape))
    rows = []
    for layer in network.layers:
        shape = tuple(layer.compute_output_shape(shape))
        rows.append(LayerRow(layer.name, type(layer).__name__, shape, int(layer.count_params())))
    return rows


def format_layer_table(rows, title=None) -> str:
    """The rows of :func:`layer_table` as a fixed-width text table with a total line (lesson 07)."""
    if not rows:
        raise ValueError("rows is empty; pass the list that layer_table returns.")
    lines = [title] if title else []
    lines.append(f"{'layer':<22}{'type':<18}{'output shape':<20}{'parameters':>12}")
    for row in rows:
        lines.append(f"{row.name:<22}{row.kind:<18}{str(row.output_shape):<20}{row.params:>12,d}")
    lines.append(f"{'total':<60}{sum(r.params for r in rows):>12,d}")
    return "\n".join(lines)


def conv_output_size(n: int, kernel_size: int, stride: int, padding: str, transposed: bool = False) -> int:
    """Spatial size after a (transposed) convolution, from the closed forms above (lesson 07)."""
    n, kernel_size, stride = (positive_int(v, name) for v, name in
                              ((n, "n"), (kernel_size, "kernel_size"), (stride, "stride")))
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    if transposed:
        return n * stride if padding == "same" else (n - 1) * stride + kernel_size
    if padding == "same":
        return -(-n // stride)
    if n < kernel_size:
        raise ValueError(f"a 'valid' convolution needs n >= kernel_size, got n={n}, kernel_size={kernel_size}.")
    return (n - kernel_size) // stride + 1
