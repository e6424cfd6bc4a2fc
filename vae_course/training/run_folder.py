"""Run folders: resumable checkpoints and per-epoch metrics (lesson 08).

Every file in a run folder is written by :mod:`vae_course.atomic_write`, so a crash, Ctrl-C,
SIGKILL or a full disk never leaves a half-written file. Checkpoints are one ``.npz`` file of plain
arrays (model and optimizer variables and the weight average, in order) plus their metadata as a
JSON string; they are read with ``allow_pickle=False``.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from vae_course.atomic_write import atomic_write_bytes, atomic_write_text

CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.csv"
METRIC_FIELDS = ("epoch", "train_loss", "test_elbo", "seconds")

__all__ = ["CHECKPOINT", "METRICS", "write_metrics", "read_metrics", "total_seconds", "save_checkpoint", "has_checkpoint",
           "load_checkpoint", "read_checkpoint_meta"]


def write_metrics(folder, rows) -> Path:
    """Writes ``metrics.csv``: one row per epoch with epoch, train_loss, test_elbo, seconds."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=METRIC_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row[k] for k in METRIC_FIELDS})
    return atomic_write_text(Path(folder) / METRICS, buf.getvalue())


def read_metrics(folder) -> list[dict]:
    """Reads ``metrics.csv`` back as a list of dicts of numbers."""
    with open(Path(folder) / METRICS, newline="") as f:
        return [{"epoch": int(r["epoch"]), **{k: float(r[k]) for k in METRIC_FIELDS[1:]}} for r in csv.DictReader(f)]


def total_seconds(metrics) -> float:
    """Training time of a run (evaluation excluded), from its metrics."""
    return float(np.sum([m["seconds"] for m in metrics]))


def _groups(model, optimizer, average) -> dict:
    """The variables a checkpoint holds, by file-name prefix."""
    groups = {"model": model.variables, "optim": optimizer.variables}
    if average is not None:
        groups["average"] = average.variables
    return groups


def save_checkpoint(folder, model, optimizer, meta: dict, average=None) -> Path:
    """Saves model and optimizer variables, the weight average if any, and ``meta`` (JSON-ready)
    as one atomic ``.npz``."""
    arrays = {f"{prefix}_{i:04d}": v.numpy()
              for prefix, variables in _groups(model, optimizer, average).items() for i, v in enumerate(variables)}
    arrays["meta_json"] = np.array(json.dumps(meta))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return atomic_write_bytes(Path(folder) / CHECKPOINT, buf.getvalue())


def has_checkpoint(folder) -> bool:
    return (Path(folder) / CHECKPOINT).is_file()


def load_checkpoint(folder, model, optimizer, average=None) -> dict:
    """Restores variables saved by :func:`save_checkpoint` into a model, a *built* optimizer and,
    if the run had one, its weight average.

    Returns:
        The metadata dict.

    Raises:
        FileNotFoundError: no checkpoint in ``folder``.
        ValueError: the file is corrupt or the model/optimizer have other variables.
    """
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint {path}; --resume needs a run folder written by 'vae-course train'.")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("meta_json")))
    except Exception as err:  # zipfile, json and numpy raise many kinds
        raise ValueError(f"checkpoint {path} is corrupt or not a vae-course checkpoint ({err}).") from err
    groups = _groups(model, optimizer, average)
    if average is None and any(k.startswith("average_") for k in arrays):
        raise ValueError(f"checkpoint {path} holds a moving average of the weights; pass the run's WeightAverage "
                         f"(training.fit does) so that it is restored too.")
    for prefix, variables in groups.items():
        saved = sorted(k for k in arrays if k.startswith(prefix + "_"))
        if len(saved) != len(variables) or any(arrays[k].shape != tuple(v.shape) for k, v in zip(saved, variables)):
            raise ValueError(f"checkpoint {path} does not match this {prefix}: it was saved from a run with "
                             f"other settings (latent_dim, sizes). Resume with the same settings.")
        for k, v in zip(saved, variables):
            v.assign(arrays[k])
    return meta


def read_checkpoint_meta(folder) -> dict:
    """The metadata of the checkpoint in ``folder`` (its config, metrics), without loading variables."""
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint {path}; --resume needs a run folder written by 'vae-course train'.")
    try:
        with np.load(path, allow_pickle=False) as data:
            return json.loads(str(data["meta_json"]))
    except Exception as err:
        raise ValueError(f"checkpoint {path} is corrupt or not a vae-course checkpoint ({err}).") from err
