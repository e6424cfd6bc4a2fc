"""The shipped weights of the course model and their provenance (lessons 05, 06 and 09).

``load_pretrained(2)`` and ``load_pretrained(32)`` return ready CVAEs trained with the course
preset; ``pretrained_info`` returns the record written next to each weights file in this folder
(command, seed, versions, test ELBO, training time). ``scripts/ship_pretrained.py`` writes them.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from vae_course.models import CVAE, ModelConfig, load_weights

__all__ = ["PRETRAINED_LATENT_DIMS", "pretrained_info", "load_pretrained"]

PRETRAINED_LATENT_DIMS = (2, 32)


def pretrained_info(latent_dim: int = 2) -> dict:
    """The provenance record of a shipped model: command, seed, versions, test ELBO, training time."""
    if latent_dim not in PRETRAINED_LATENT_DIMS:
        raise ValueError(f"no pretrained model for latent_dim={latent_dim}; shipped: {PRETRAINED_LATENT_DIMS}.")
    with resources.as_file(resources.files(__name__) / f"cvae_latent{latent_dim}.json") as p:
        return json.loads(Path(p).read_text())


def load_pretrained(latent_dim: int = 2) -> CVAE:
    """A ready CVAE with the shipped weights of the course preset (lessons 05, 06 and 09)."""
    info = pretrained_info(latent_dim)
    model = CVAE(config=ModelConfig(**{**info["model_config"], "filters": tuple(info["model_config"]["filters"])}))
    with resources.as_file(resources.files(__name__) / f"cvae_latent{latent_dim}.weights.h5") as p:
        return load_weights(model, p)
