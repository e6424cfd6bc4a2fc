"""The one way the package writes a file: atomically, with the permissions of a normal file.

Every file that vae_course writes (run folders, checkpoints, weights, figures, GIFs, notebooks)
goes through :func:`atomic_write`: the content goes to a temporary file in the target's folder,
is flushed to disk (``fsync``), given the permissions a plain ``open(path, "w")`` would give under
the user's umask, and renamed over the target. A reader never sees half a file; a write that
fails half-way (a full disk, Ctrl-C, an exception in the writer) leaves the previous file intact,
removes the temporary file and raises :class:`AtomicWriteError` naming the file.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["AtomicWriteError", "atomic_write", "writable_folder_problem", "remove_stale_temporaries", "atomic_write_bytes", "atomic_write_text",
           "atomic_write_json", "printable"]


class AtomicWriteError(OSError):
    """Writing a file failed; the previous version of the file (if any) is unchanged."""


def _umask() -> int:
    """The process's umask: read from /proc where it can be, since os.umask can only read it by setting it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write: Callable[[str], None]) -> Path:
    """Calls ``write(tmp_path)`` to fill a temporary file next to ``path``, then renames it to ``path``.

    Args:
        path: the file to write; its folder is created if needed.
        write: a function that writes the whole content to the file name it is given (e.g.
            ``lambda tmp: fig.savefig(tmp)``, ``model.save_weights``).

    Returns:
        ``path`` as a Path.

    Raises:
        AtomicWriteError: the write failed (an OSError such as a full disk, with the file named);
            ``path`` keeps its previous content. Other exceptions from ``write`` propagate unchanged,
            also after the temporary file has been removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name keeps the target's full suffix (e.g. ".weights.h5") for writers that check it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}-", suffix=f"-{path.name}")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; a normal file gets 0666 minus the umask
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise AtomicWriteError(err.errno, f"could not write {path} ({err.strerror or err}); the previous "
                                          f"version of the file, if any, is unchanged. Free disk space or "
                                          f"choose another folder, then try again.") from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path, data: bytes) -> Path:
    """Writes ``data`` to ``path`` atomically (see :func:`atomic_write`)."""

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    return atomic_write(path, write)


def printable(text) -> str:
    """``text`` (a str or a path) as valid Unicode: a path's bytes that are not UTF-8 (which Python keeps
    as lone surrogates, e.g. from ``--out $'run\\xff'``) become ``\\xff`` escapes, so the text can be
    printed and written as UTF-8."""
    text = str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that are not undecodable bytes
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def atomic_write_text(path, text: str) -> Path:
    """Writes ``text`` as UTF-8 to ``path`` atomically; bytes of a non-UTF-8 path quoted in it are
    written as ``\\xNN`` escapes (see :func:`printable`)."""
    return atomic_write_bytes(path, printable(text).encode("utf-8"))


def atomic_write_json(path, obj) -> Path:
    """Writes ``obj`` as indented, key-sorted JSON to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def writable_folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be used (created and written) as a folder, or None if it can."""
    if path.exists() and not path.is_dir():
        return f"{path} exists and is not a folder"
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder, so {path} cannot be created inside it"
    try:
        with tempfile.TemporaryDirectory(dir=probe):
            pass
    except OSError as err:
        return f"cannot write in {probe} ({err.strerror})"
    return None


def remove_stale_temporaries(folder) -> list[Path]:
    """Deletes the temporary files that killed processes left in ``folder`` (not its subfolders).

    A process killed with SIGKILL (or a power cut) during :func:`atomic_write` leaves its
    ``.tmp-<pid>-<name>`` file behind; the target itself is intact. Files of processes that are
    still alive are kept, so a concurrent writer is never disturbed.

    Returns:
        The paths removed.
    """
    removed = []
    for path in Path(folder).glob(".tmp-*-*"):
        pid = path.name.split("-")[1]
        if not pid.isdigit() or _alive(int(pid)) or not path.is_file():
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
