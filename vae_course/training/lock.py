"""One training per run folder: an exclusive lock file naming its owner (lesson 08).

``fit`` (and ``vae-course train``, around its whole run) holds ``<run folder>/train.lock`` while it
writes there. The file holds the owner's process id, host and start time. The lock itself is an
``flock`` on that file, which the operating system drops when the owner dies (even by SIGKILL), so
a lock left by a dead process is simply taken over; a second training started on the same folder
while the first is alive is refused with a message naming the first. A process that already holds
the lock may take it again (``vae-course train`` locks the folder, then ``fit`` does).
"""
from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: the lock file alone, taken over when its process is gone
    fcntl = None

__all__ = ["LOCK", "RunFolderBusy", "run_folder_lock"]

LOCK = "train.lock"


class RunFolderBusy(RuntimeError):
    """Another process is training into the same run folder."""


def _owner_line() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n"


def _owner_pid(text: str) -> int | None:
    parts = text.split()
    return int(parts[1]) if len(parts) > 1 and parts[0] == "pid" and parts[1].isdigit() else None


def _refuse(folder: Path, owner: str):
    from vae_course.atomic_write import printable

    raise RunFolderBusy(f"{printable(folder)} is in use by another training ({owner.strip() or 'unknown process'}, "
                        f"see {LOCK} there); two runs cannot share one folder. Wait for it to end, stop it, or "
                        f"choose another --out.")


@contextmanager
def run_folder_lock(folder):
    """``with run_folder_lock(out):`` this process alone trains into ``out`` (created if needed).

    Raises:
        RunFolderBusy: a living process holds the lock (it is named in the message).
    """
    from vae_course.atomic_write import _alive

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    fd = _acquire(folder, path)
    if fd is None:  # this process holds it already
        yield
        return
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, _owner_line().encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # before the flock is dropped: no one can lock a removed file's name
        os.close(fd)


def _acquire(folder: Path, path: Path) -> int | None:
    """The open, locked lock file's descriptor; None if this process holds the lock already."""
    from vae_course.atomic_write import _alive

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            owner = os.read(fd, 200).decode("utf-8", "replace")
            ours = _owner_pid(owner) == os.getpid()
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # held: by this process (it wrote its pid), or by another one
                    if ours:
                        os.close(fd)
                        return None
                    _refuse(folder, owner)
                # locked: a file naming this pid was left by a dead process that had the same pid; taken over
            elif ours:
                os.close(fd)
                return None
            elif _owner_pid(owner) is not None and _alive(_owner_pid(owner)):
                _refuse(folder, owner)
            if path.exists() and os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd  # still the file at `path` (its last owner did not remove it meanwhile)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
