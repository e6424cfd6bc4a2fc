"""The shipped weights of the course model and their provenance (lessons 05, 06 and 09).

``load_pretrained(2)`` and ``load_pretrained(32)`` return ready CVAEs trained with the course
preset; ``pretrained_info`` returns the record written next to each weights file in this folder
(command, seed, versions, test ELBO, training time, and the SHA-256 of each shipped file).
``scripts/ship_pretrained.py`` writes them. A weights file whose SHA-256 differs from its record
(damaged, or changed by hand) is refused, naming the file: it would load silently otherwise.
"""
from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from vae_course.models import CVAE, ModelConfig, load_weights

__all__ = ["PRETRAINED_LATENT_DIMS", "pretrained_info", "load_pretrained", "sha256_of"]

PRETRAINED_LATENT_DIMS = (2, 32)
_FIX = "The package's files are damaged: reinstall vae-course (in a checkout: git checkout vae_course/pretrained/)."


def sha256_of(path) -> str:
    """The hex SHA-256 of a file's bytes (what each record stores under ``sha256``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _folder(folder) -> Path:
    return Path(folder) if folder is not None else Path(str(resources.files(__name__)))


def pretrained_info(latent_dim: int = 2, folder=None) -> dict:
    """The provenance record of a shipped model: command, seed, versions, test ELBO, training time.

    Args:
        latent_dim: 2 or 32.
        folder: where the files are; default this package's folder (another one for checking a copy).

    Raises:
        ValueError: no such model, or a record that is not valid JSON or lacks ``model_config`` or
            ``sha256`` (naming the file).
    """
    if latent_dim not in PRETRAINED_LATENT_DIMS:
        raise ValueError(f"no pretrained model for latent_dim={latent_dim}; shipped: {PRETRAINED_LATENT_DIMS}.")
    path = _folder(folder) / f"cvae_latent{latent_dim}.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} cannot be read as the record of the shipped model ({err}). {_FIX}") from err
    if not isinstance(info, dict):
        raise ValueError(f"{path} holds a {type(info).__name__}, expected the record of the shipped model. {_FIX}")
    config, sums = info.get("model_config"), info.get("sha256")
    if not isinstance(config, dict) or not {"latent_dim", "filters"} <= set(config):
        raise ValueError(f"{path} lacks model_config (the model's sizes, with latent_dim and filters). {_FIX}")
    if not isinstance(sums, dict) or f"cvae_latent{latent_dim}.weights.h5" not in sums:
        raise ValueError(f"{path} lacks sha256, the checksum of cvae_latent{latent_dim}.weights.h5. {_FIX}")
    return info


def load_pretrained(latent_dim: int = 2, folder=None) -> CVAE:
    """A ready CVAE with the shipped weights of the course preset (lessons 05, 06 and 09).

    Raises:
        ValueError: the record is damaged, or the weights file's SHA-256 is not the recorded one (naming it).
    """
    info = pretrained_info(latent_dim, folder)
    name = f"cvae_latent{latent_dim}.weights.h5"
    path = _folder(folder) / name
    digest, expected = sha256_of(path), info["sha256"][name]
    if digest != expected:
        raise ValueError(f"{path}: SHA-256 {digest}, but cvae_latent{latent_dim}.json records {expected}; the weights "
                         f"were changed or damaged and would give wrong results. {_FIX}")
    try:
        config = ModelConfig(**{**info["model_config"], "filters": tuple(info["model_config"]["filters"])})
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path.with_name(f'cvae_latent{latent_dim}.json')}: model_config is not a model's sizes "
                         f"({err}). {_FIX}") from err
    return load_weights(CVAE(config=config), path)
