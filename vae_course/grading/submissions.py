"""Finding the learners and their notebooks: one folder per learner, nbgrader's layout, or a .zip of either.

A learner is a folder whose name is the learner's id; their notebooks are the course's exercise
notebooks found anywhere inside it (``03_log_variance.ipynb``, ...). nbgrader's
``submitted/<student>/<assignment>/`` layout is read the same way (SUBMISSIONS may be the course
folder holding ``submitted/``, or ``submitted/`` itself). A ``.zip`` is extracted into a scratch
folder first. Nothing in SUBMISSIONS is ever written.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Learner", "SubmissionsError", "find_learners", "extract_zip", "content_hash"]


class SubmissionsError(ValueError):
    """SUBMISSIONS cannot be graded; the message says what to do."""


@dataclass(frozen=True)
class Learner:
    """One learner: their id and, per course notebook name, the path of the notebook they handed in."""
    student: str
    notebooks: dict = field(default_factory=dict)  # "03_log_variance.ipynb" -> Path


def extract_zip(path: Path, into: Path) -> Path:
    """Extracts the archive ``path`` into ``into`` (paths leaving it are refused); returns ``into``."""
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                target = (into / member).resolve()
                if not str(target).startswith(str(into.resolve())):
                    raise SubmissionsError(f"{path} holds a file outside its folder ({member}); refusing to extract it.")
            archive.extractall(into)
    except zipfile.BadZipFile as err:
        raise SubmissionsError(f"{path} is not a readable .zip ({err}); give a folder or a .zip archive.") from None
    return into


def _root(folder: Path, names) -> Path:
    """The folder whose sub-folders are the learners (nbgrader's submitted/, or a single wrapping folder)."""
    if (folder / "submitted").is_dir():
        return folder / "submitted"
    children = [c for c in folder.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir() and not any(children[0].glob("*.ipynb")):
        inner = children[0]
        if any(c.is_dir() and any(p.name in names for p in c.rglob("*.ipynb")) for c in inner.iterdir()):
            return _root(inner, names)
    return folder


def find_learners(folder: Path, names) -> list:
    """The learners under ``folder``, sorted by id; ``names`` are the course notebooks' file names.

    Raises:
        SubmissionsError: when no course notebook is found at all.
    """
    names = set(names)
    root = _root(folder, names)
    learners = []
    for child in sorted(c for c in root.iterdir() if c.is_dir() and not c.name.startswith((".", "__MACOSX"))):
        found = {}
        for path in sorted(child.rglob("*.ipynb")):
            if path.name in names and ".ipynb_checkpoints" not in path.parts:
                found.setdefault(path.name, path)
        learners.append(Learner(child.name, found))
    if not any(learner.notebooks for learner in learners):
        raise SubmissionsError(f"no exercise notebooks found in {folder}: expected one folder per learner holding "
                               f"notebooks such as {sorted(names)[0]} (or nbgrader's submitted/<student>/<assignment>/).")
    return learners


def content_hash(learner: Learner, salt: str) -> str:
    """A hash of the learner's notebooks (names and bytes) and ``salt`` (the checks and limits)."""
    digest = hashlib.sha256(salt.encode())
    for name, path in sorted(learner.notebooks.items()):
        digest.update(name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.hexdigest()[:20]
