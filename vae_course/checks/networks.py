"""Checks of exercise 07, ``make_encoder(latent_dim)`` and ``make_decoder(latent_dim)``: the CVAE's two networks.

Each must return a Keras model that follows the layer contract of lesson 07. The check compares,
with the package's networks (:class:`vae_course.models.Encoder`, :class:`~vae_course.models.Decoder`):
the output shape, each layer's output shape (for a ``Sequential``), the weight shapes and the
parameter count; then it loads the package network's weights into the learner's and requires the
same outputs, which pins the activations (ReLU inside, none on the last layer), strides and padding.
An activation may be a layer of its own (``ReLU()``): layers without weights that keep the shape are
not counted against the contract's. A wrong last activation is named by comparing the outputs with
ReLU, sigmoid, tanh, ... of the contract's. The package's own networks are refused, also when built
inside the answer or nested at any depth in the returned model (:mod:`vae_course.checks.shortcuts`).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from vae_course import models
from vae_course.checks.harness import CheckFailed, call, checked, fmt_shape, settler, success
from vae_course.checks.shortcuts import refuse, refuse_package_networks

__all__ = ["ENCODER_SHAPES", "DECODER_SHAPES", "WHY", "check_make_encoder", "check_make_decoder"]

ENCODER_SHAPES = ((13, 13, 32), (6, 6, 64), (2304,), None)  # per layer; None: (2·D,)
DECODER_SHAPES = ((1568,), (7, 7, 32), (14, 14, 64), (28, 28, 32), (28, 28, 1))
WHY = {(13, 13, 32): "a 3x3 convolution with stride 2 and 'valid' padding maps 28 to 13",
       (6, 6, 64): "the second one maps 13 to 6", (14, 14, 64): "stride 2 with 'same' padding doubles 7 to 14",
       (28, 28, 32): "and 14 to 28", (28, 28, 1): "the last one keeps 28x28 (stride 1) with one channel"}


def _network(result, name):
    settle = settler()  # bound while nothing of the learner's has run since the last restore (see harness.undoer)
    if not isinstance(result, tf.keras.Model):
        raise CheckFailed(f"{name} returned {type(result).__name__}; return a Keras model (e.g. tf.keras.Sequential "
                          "of layers), not its output or a list of layers.")
    refuse_package_networks(result, name)
    settle()  # whatever the learner's layers did while they were inspected is undone (under the grader)
    return result


def _advice(layer) -> str:
    """What to check in a layer whose output shape differs from the contract's, by the kind of layer."""
    if isinstance(layer, (tf.keras.layers.Conv2D, tf.keras.layers.Conv2DTranspose)):
        return "Check its filters, kernel size, strides and padding."
    if isinstance(layer, tf.keras.layers.Dense):
        return "Check its number of units."
    if isinstance(layer, tf.keras.layers.Reshape):
        return "Check its target shape."
    return "Check the settings of this layer and of the layers before it."


def _weight_advice(shape) -> str:
    """What a differing weight tensor says: a dense layer's kernel is 2-D, a convolution's 4-D."""
    if len(shape) == 2:
        return "a dense layer: check its number of units (and what comes into it)"
    if len(shape) == 4:
        return "a convolution: check its kernel size and number of filters"
    return "a bias: check the number of units or filters of its layer, and that every layer has a bias"


def _output(net, name, inputs):
    settle = settler()
    try:
        out = net(inputs)
    except Exception as err:  # noqa: BLE001 (the learner's network: a hint, not a traceback)
        message = " ".join(str(err).split())[:300]
        raise CheckFailed(f"{name}: your network failed on an input of shape {fmt_shape(inputs.shape)}: "
                          f"{type(err).__name__}: {message}") from None
    if isinstance(out, (tuple, list)):
        raise CheckFailed(f"{name}: your network returned {len(out)} tensors; return one tensor (the caller splits it).")
    out = np.array(out)  # a plain array: nothing of the learner's runs when it is compared
    settle()  # what the network's own code changed while it ran is undone before anything is judged
    return out


def _layer_shapes(net, name, inputs, expected):
    """For a Sequential, names the first layer whose output shape differs from the contract.

    Layers without weights that keep the shape (``ReLU()``, ``Activation``, ``Dropout``) are not counted: the
    contract's layers carry their activation, a learner may write it as a layer of its own.
    """
    if not isinstance(net, tf.keras.Sequential):
        return
    h, i = inputs, 0  # i: the contract's layer that the next shape-changing layer must match
    for position, layer in enumerate(net.layers, 1):
        before = tuple(h.shape[1:])
        try:
            h = layer(h)
        except Exception:  # noqa: BLE001 (reported by the whole-network call that follows)
            return
        got = tuple(h.shape[1:])
        if not layer.weights and got == before:
            continue
        if i < len(expected) and got != expected[i]:
            why = WHY.get(expected[i], "")
            raise CheckFailed(f"{name}: your layer {position} ({type(layer).__name__}) outputs {fmt_shape(got)} per "
                              f"example; the contract's layer {i + 1} outputs {fmt_shape(expected[i])}"
                              + (f" ({why})." if why else ".") + f" {_advice(layer)}")
        i += 1


def _judge(net, reference, name, inputs, expected_shapes, out_shape, is_decoder):
    settle = settler()
    _layer_shapes(net, name, inputs, expected_shapes)
    settle()
    out = _output(net, name, inputs)
    if tuple(out.shape) != out_shape:
        raise CheckFailed(f"{name}: your network maps {fmt_shape(inputs.shape)} to {fmt_shape(out.shape)}; "
                          f"expected {fmt_shape(out_shape)}.")
    mine, ref = net.get_weights(), reference.get_weights()
    settle()
    if [w.shape for w in mine] != [w.shape for w in ref]:
        pairs = list(zip([w.shape for w in mine], [w.shape for w in ref]))
        first = next((i for i, (a, b) in enumerate(pairs) if a != b), len(pairs))
        where = (f" The first difference is weight tensor {first + 1}, yours {fmt_shape(pairs[first][0])}, the "
                 f"contract's {fmt_shape(pairs[first][1])}: {_weight_advice(pairs[first][1])}."
                 if first < len(pairs) else " Check that every layer has a bias and that no layer is missing or extra.")
        raise CheckFailed(f"{name}: your network has {net.count_params():,} weights in {len(mine)} tensors; the "
                          f"contract gives {reference.count_params():,} in {len(ref)}.{where}")
    net.set_weights(ref)
    got = np.asarray(_output(net, name, inputs))
    want = reference(inputs)
    want = np.asarray(tf.concat(want, -1) if isinstance(want, (tuple, list)) else want)
    if np.allclose(got, want, rtol=1e-4, atol=1e-4):
        return
    what = "logits" if is_decoder else "means and log-variances"
    for label, activation in LAST_ACTIVATIONS.items():
        with np.errstate(all="ignore"):
            if np.allclose(got, activation(want.astype(np.float64)), rtol=1e-4, atol=1e-4):
                raise CheckFailed(f"{name}: your last layer applies {label}, but {what} can be any real number: "
                                  "the last layer has no activation.")
    if got.min() >= 0 and want.min() < 0:
        raise CheckFailed(f"{name}: your outputs are never negative, but {what} can be any real number: "
                          "the last layer has no activation.")
    raise CheckFailed(f"{name}: with the contract's weights loaded, your outputs differ from the contract's (by up "
                      f"to {np.abs(got - want).max():.3g}): check each layer's activation (ReLU after every layer "
                      "but the last), strides and padding.")


LAST_ACTIVATIONS = {  # what the last layer may wrongly apply to the contract's outputs
    "a ReLU": lambda t: np.maximum(t, 0.0), "a sigmoid": lambda t: 1.0 / (1.0 + np.exp(-t)), "a tanh": np.tanh,
    "a softplus": lambda t: np.logaddexp(0.0, t), "an exponential": np.exp,
    "an ELU": lambda t: np.where(t > 0, t, np.expm1(t)), "a leaky ReLU": lambda t: np.where(t > 0, t, 0.2 * t),
}


def _check(fn, name, is_decoder):
    refuse(fn, name, {"latent_dim": 2}, seconds=30.0)  # the limit its first build gets below
    for latent_dim in (2, 5):
        config = models.ModelConfig(latent_dim=latent_dim)
        reference = models.Decoder(config) if is_decoder else models.Encoder(config)
        net = _network(call(fn, name, {"latent_dim": latent_dim}, seconds=30.0), name)
        if is_decoder:
            inputs = tf.constant(np.random.default_rng(latent_dim).normal(0, 1, (3, latent_dim)), tf.float32)
            reference(inputs)
            _judge(net, reference, name, inputs, DECODER_SHAPES, (3, 28, 28, 1), True)
        else:
            inputs = tf.constant(np.random.default_rng(latent_dim).random((3, 28, 28, 1)), tf.float32)
            reference(inputs)
            shapes = ENCODER_SHAPES[:-1] + ((2 * latent_dim,),)
            _judge(net, reference, name, inputs, shapes, (3, 2 * latent_dim), False)
    return reference.count_params()


@checked("make_encoder")
def check_make_encoder(make_encoder) -> None:
    """Checks the learner's encoder: shapes per layer, weights, activations (D = 2 and 5)."""
    __tracebackhide__ = True
    n = _check(make_encoder, "make_encoder", False)
    success("make_encoder", f"the contract's layers: same shapes, {n:,} weights for D = 5, same outputs")


@checked("make_decoder")
def check_make_decoder(make_decoder) -> None:
    """Checks the learner's decoder: shapes per layer, weights, activations (D = 2 and 5)."""
    __tracebackhide__ = True
    n = _check(make_decoder, "make_decoder", True)
    success("make_decoder", f"the contract's layers: same shapes, {n:,} weights for D = 5, same outputs (logits)")
