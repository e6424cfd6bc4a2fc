"""The shipped plain autoencoder that lesson 00 shows next to the VAE.

It is the course's CVAE network (latent_dim 32) trained as an autoencoder: code z = μ(x), loss
−log p(x | z), no noise and no KL term. ``scripts/train_autoencoder.py`` trains it and writes the
weights and their provenance record into ``vae_course/pretrained/``.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from vae_course.models import CVAE, load_weights

__all__ = ["AUTOENCODER_LATENT_DIM", "autoencoder_info", "load_autoencoder"]

AUTOENCODER_LATENT_DIM = 32
_STEM = f"autoencoder_latent{AUTOENCODER_LATENT_DIM}"


def autoencoder_info() -> dict:
    """The provenance record of the shipped autoencoder (command, settings, test reconstruction cost)."""
    with resources.as_file(resources.files("vae_course.pretrained") / f"{_STEM}.json") as p:
        return json.loads(Path(p).read_text())


def load_autoencoder() -> CVAE:
    """The shipped autoencoder, as a CVAE whose ``encode(x)[0]`` is the code (lesson 00)."""
    model = CVAE(latent_dim=AUTOENCODER_LATENT_DIM)
    with resources.as_file(resources.files("vae_course.pretrained") / f"{_STEM}.weights.h5") as p:
        return load_weights(model, p)
