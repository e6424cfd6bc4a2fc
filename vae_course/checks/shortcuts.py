"""Which of the package's functions each exercise refuses (lessons 01-08): one rule, applied by every check.

An exercise may call the package's answers to *earlier* exercises (exercise 06.2 imports the tested
``log_normal_pdf`` and ``bernoulli_log_likelihood``, exercise 08 the model's methods), never its own
answer, a later one, or a package object that answers it in one line (``encoder_distribution(0, lv)
.stddev()`` for σ, ``tfd.kl_divergence`` of the package's distributions for the KL). The calls are
seen by :func:`vae_course.checks.harness.refuse_reference` (a profiler), so aliases, wrappers and a
``tf.function`` around them are refused too; networks are also searched for the package's own layers.
"""
from __future__ import annotations

import numpy as np

from vae_course import distributions, losses, models, preprocessing
from vae_course.checks.harness import CheckFailed, refuse_reference
from vae_course.training import step

__all__ = ["ORDER", "EXTRA", "refused", "refuse", "refuse_package_networks"]

# The package's answer of each exercise, in course order.
ORDER = (
    ("binarize", (preprocessing.binarize,)),
    ("dynamic_binarize", (preprocessing.dynamic_binarize,)),
    ("log_normal_pdf", (distributions.log_normal_pdf,)),
    ("posterior", (distributions.encoder_distribution,)),
    ("std_from_logvar", (distributions.std_from_logvar,)),
    ("reparameterize", (distributions.reparameterize,)),
    ("score_function_gradient", ()),
    ("bernoulli_log_likelihood", (distributions.bernoulli_log_likelihood, distributions.decoder_distribution)),
    ("kl_standard_normal", (distributions.kl_standard_normal,)),
    ("elbo_single_sample", (losses.elbo_single_sample, losses.elbo_analytic, losses.model_elbo)),
    ("iwae_bound", (losses.model_iwae_bound,)),
    ("make_encoder", (models.Encoder.__init__, models.CVAE.__init__)),
    ("make_decoder", (models.Decoder.__init__,)),
    ("train_step", (step.make_train_step, step.make_train_steps)),
)
# Earlier answers that would answer this exercise in one line.
EXTRA = {
    "std_from_logvar": (distributions.encoder_distribution,),
    "kl_standard_normal": (distributions.encoder_distribution, distributions.prior_distribution),
    "train_step": (losses.model_elbo,),
}


def refused(name: str) -> tuple:
    """The package functions exercise ``name`` may not call: its own answer, every later one, and its extras."""
    names = [n for n, _ in ORDER]
    later = [fn for _, fns in ORDER[names.index(name):] for fn in fns]
    return tuple(later) + EXTRA.get(name, ())


def refuse(fn, name: str, args: dict, *, seconds: float | None = None) -> None:
    """Fails when calling ``fn(*args.values())`` runs one of :func:`refused` (the Python body of a tf.function too)."""
    args = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}  # the check's inputs stay intact
    try:
        refuse_reference(getattr(fn, "python_function", fn), name, args, refused(name), seconds=seconds)
    except CheckFailed as err:  # a constructor is seen as `__init__`: name the class instead (a timeout stays one)
        raise type(err)(str(err).replace("own __init__", "own network classes (Encoder, Decoder or CVAE)")
                          .replace("Write the computation yourself with TensorFlow ops.",
                                   "Build it yourself from Keras layers." if name.startswith("make_")
                                   else "Write the computation yourself with TensorFlow ops.")) from None


def refuse_package_networks(net, name: str) -> None:
    """Fails when the Keras model ``net`` holds one of the package's networks, at any depth."""
    try:
        inside = list(net._flatten_layers(include_self=True, recursive=True))
    except (AttributeError, TypeError):
        inside = [net]
    for layer in inside:
        if isinstance(layer, (models.Encoder, models.Decoder, models.CVAE)):
            raise CheckFailed(f"{name} returned a network that contains the package's own {type(layer).__name__}: "
                              "build yours from Keras layers (that is the exercise).")
