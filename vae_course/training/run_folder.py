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


META_KEYS = ("config", "metrics", "partial")
PARTIAL_KEYS = ("loss_sum", "count", "seconds")


def _checked_meta(meta, path) -> dict:
    """``meta`` if it is the metadata ``fit`` writes (a dict of config, metrics and partial), else a
    ValueError naming ``path`` and what is wrong."""
    from vae_course.training.config import TrainConfig

    def bad(what):
        return ValueError(f"checkpoint {path} has unusable metadata: {what}. It was not written by this version of "
                          f"'vae-course train' or was altered; start a new run in another folder.")

    if not isinstance(meta, dict):
        raise bad(f"expected a JSON object with {', '.join(META_KEYS)}, found a {type(meta).__name__}")
    missing, unknown = [k for k in META_KEYS if k not in meta], sorted(set(meta) - set(META_KEYS))
    if missing or unknown:
        raise bad("; ".join(([f"missing {', '.join(missing)}"] if missing else [])
                            + ([f"unknown key {', '.join(map(repr, unknown))}"] if unknown else [])))
    if not isinstance(meta["config"], dict):
        raise bad(f"config is a {type(meta['config']).__name__}, expected a JSON object")
    try:
        TrainConfig.from_dict(meta["config"])
    except (TypeError, ValueError) as err:
        raise bad(f"config is not a training configuration ({err})") from None
    rows = meta["metrics"]
    if not isinstance(rows, list) or any(not isinstance(r, dict) or set(r) != set(METRIC_FIELDS) for r in rows):
        raise bad(f"metrics must be a list of rows with {', '.join(METRIC_FIELDS)}")
    if [r["epoch"] for r in rows] != list(range(1, len(rows) + 1)):
        raise bad("metrics must hold epochs 1, 2, ... in order")
    part = meta["partial"]
    if not isinstance(part, dict) or set(part) != set(PARTIAL_KEYS):
        raise bad(f"partial must hold {', '.join(PARTIAL_KEYS)}")
    return meta


def _read(path) -> tuple[dict, dict]:
    """The arrays and the checked metadata of the checkpoint file ``path``."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint {path}; --resume needs a run folder written by 'vae-course train'.")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("meta_json")))
    except Exception as err:  # zipfile, json and numpy raise many kinds
        raise ValueError(f"checkpoint {path} is corrupt or not a vae-course checkpoint ({err}).") from err
    return arrays, meta


def load_checkpoint(folder, model, optimizer, average=None) -> dict:
    """Restores variables saved by :func:`save_checkpoint` into a model, a *built* optimizer and,
    if the run had one, its weight average.

    Returns:
        The metadata dict.

    Raises:
        FileNotFoundError: no checkpoint in ``folder``.
        ValueError: the file is corrupt (an array of another dtype or not finite, metadata that ``fit``
            does not write) or the model/optimizer have other variables; naming the file.
    """
    path = Path(folder) / CHECKPOINT
    arrays, meta = _read(path)
    _checked_meta(meta, path)
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
            array, want = arrays[k], np.dtype(getattr(v.dtype, "as_numpy_dtype", v.dtype))  # tf or Keras dtype
            if array.dtype != want or (array.dtype.kind == "f" and not np.isfinite(array).all()):
                raise ValueError(f"checkpoint {path} is corrupt: array {k} of the {prefix} is "
                                 f"{'not finite' if array.dtype == want else array.dtype}, expected finite {want} "
                                 f"values. Start a new run in another folder.")
        for k, v in zip(saved, variables):
            v.assign(arrays[k])
    return meta


def read_checkpoint_meta(folder) -> dict:
    """The checked metadata of the checkpoint in ``folder`` (its config, metrics), without loading variables.

    Raises:
        FileNotFoundError: no checkpoint in ``folder``.
        ValueError: the file is corrupt, or its metadata is not what ``fit`` writes (naming the file).
    """
    path = Path(folder) / CHECKPOINT
    return _checked_meta(_read(path)[1], path)
