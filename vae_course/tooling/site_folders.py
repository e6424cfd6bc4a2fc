"""Output folders of the course's build tools (``make site``, ``make slides``): only ever delete what they made.

A folder the tool creates holds the marker file :data:`MARKER`. Before a build starts again, a folder
with the marker is emptied; a folder without it (``--out .``, ``--out lessons``, someone's notes) is
refused with a message, and nothing in it is touched. An empty folder, or one that does not exist, is
taken and marked. Introduced with the website (README, "The course on the web"); no lesson uses it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["MARKER", "FolderError", "check_folder", "fresh_folder"]

MARKER = ".made-by-vae-course"


class FolderError(Exception):
    """A folder the tool would replace was not made by it (the message says which and what to do)."""


def check_folder(path, *, protect=(), tool="make site") -> Path:
    """Raises :class:`FolderError` unless :func:`fresh_folder` may replace ``path``; changes nothing."""
    path = Path(path).resolve()
    for kept in (Path(p).resolve() for p in protect):
        if kept.is_relative_to(path):
            raise FolderError(f"{path} holds {kept}, which {tool} must not replace: give an output folder "
                              f"of its own, e.g. build/site.")
    if path.is_file() or path.is_symlink():
        raise FolderError(f"{path} is a file, not an output folder: give another path.")
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).is_file():
        raise FolderError(f"{path} exists and was not made by {tool} (it has no {MARKER} file), so it is "
                          f"left alone: give another output folder, or delete this one yourself if you "
                          f"are sure nothing in it is needed.")
    return path


def fresh_folder(path, *, protect=(), tool="make site") -> Path:
    """Empties (or creates) ``path`` for a new build, and marks it as the tool's own.

    Args:
        path: the output folder.
        protect: folders that must never be replaced nor hold the output (the repository): ``path`` may
            not be one of them nor contain one.
        tool: the command named in the messages.

    Raises:
        FolderError: ``path`` is, or contains, a protected folder; or it exists, is not empty and lacks
            the marker file (so it was not made by the tool); or it is a file.
    """
    path = check_folder(path, protect=protect, tool=tool)
    if path.is_dir() and any(path.iterdir()):
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text(f"Made by {tool}; the next build deletes and rebuilds this folder.\n",
                               encoding="utf-8")
    return path
