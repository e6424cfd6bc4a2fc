"""The one atomic write: content, permissions under the umask, failures that leave the old file intact."""
import errno
import os
import stat

import pytest

from vae_course.atomic_write import AtomicWriteError, atomic_write, atomic_write_bytes, atomic_write_json, \
    atomic_write_text, writable_folder_problem


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _plain_file_mode(folder):
    """What open(path, 'w') gives under the current umask: the reference for 'a normal file'."""
    probe = folder / "plain-open"
    with open(probe, "w") as f:
        f.write("x")
    mode = _mode(probe)
    probe.unlink()
    return mode


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_permissions_of_a_normal_file(tmp_path, umask):
    old = os.umask(umask)
    try:
        expected = _plain_file_mode(tmp_path)
        a = atomic_write_text(tmp_path / "a.txt", "text")
        b = atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
        c = atomic_write(tmp_path / "c.dat", lambda tmp: open(tmp, "w").write("via a writer"))
    finally:
        os.umask(old)
    assert expected == 0o666 & ~umask
    assert [_mode(p) for p in (a, b, c)] == [expected] * 3


def test_content_and_json_round_trip(tmp_path):
    path = atomic_write_json(tmp_path / "sub" / "x.json", {"b": 1, "a": [1.5]})
    assert path.read_text() == '{\n  "a": [\n    1.5\n  ],\n  "b": 1\n}\n'
    assert sorted(os.listdir(tmp_path / "sub")) == ["x.json"]


def test_a_full_disk_half_way_keeps_the_old_file_and_names_it(tmp_path):
    target = tmp_path / "metrics.csv"
    target.write_text("old content")

    def half_then_full(tmp):
        with open(tmp, "w") as f:
            f.write("new con")
            f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(AtomicWriteError, match="metrics.csv.*No space left on device.*unchanged") as info:
        atomic_write(target, half_then_full)
    assert info.value.errno == errno.ENOSPC
    assert target.read_text() == "old content"
    assert os.listdir(tmp_path) == ["metrics.csv"]  # no temporary file left behind


def test_a_failing_rename_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(AtomicWriteError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["report.md"]


def test_other_exceptions_propagate_unchanged_and_clean_up(tmp_path):
    def interrupted(tmp):
        open(tmp, "w").write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x.gif", interrupted)
    assert os.listdir(tmp_path) == []


def test_temporary_name_keeps_the_suffix_keras_needs(tmp_path):
    seen = []
    atomic_write(tmp_path / "model.weights.h5", lambda tmp: (seen.append(tmp), open(tmp, "wb").write(b"h")))
    assert seen[0].endswith(".weights.h5") and os.path.dirname(seen[0]) == str(tmp_path)


def test_writable_folder_problem(tmp_path):
    assert writable_folder_problem(tmp_path / "new" / "deeper") is None
    (tmp_path / "file").write_text("x")
    assert "is not a folder" in writable_folder_problem(tmp_path / "file")
    assert "is not a folder" in writable_folder_problem(tmp_path / "file" / "below")


def test_stale_temporaries_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # that process has exited
    stale = tmp_path / f".tmp-{dead_pid}-abc-checkpoint.npz"
    live = tmp_path / f".tmp-{os.getpid()}-def-metrics.csv"
    keep = tmp_path / "checkpoint.npz"
    for p in (stale, live, keep):
        p.write_text("x")
    from vae_course.atomic_write import remove_stale_temporaries

    assert remove_stale_temporaries(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, keep.name])
    assert remove_stale_temporaries(tmp_path / "missing") == []


def test_the_content_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    """What reaches the disk before the rename is the whole new content: fsync of the temporary file, then rename."""
    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        name = os.readlink(f"/proc/self/fd/{fd}")
        events.append(("fsync", name, open(name, "rb").read()))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write_bytes(tmp_path / "checkpoint.npz", b"all of it")
    fsyncs = [e for e in events if e[0] == "fsync"]
    renames = [e for e in events if e[0] == "replace"]
    assert len(renames) == 1 and renames[0][2] == str(tmp_path / "checkpoint.npz")
    assert ("fsync", renames[0][1], b"all of it") in events[: events.index(renames[0])]
    assert fsyncs


def test_a_temporary_of_another_users_living_process_is_kept(tmp_path, monkeypatch):
    """os.kill(pid, 0) on another user's process raises PermissionError: that process is alive."""
    from vae_course.atomic_write import remove_stale_temporaries

    other = tmp_path / ".tmp-424242-abc-report.json"
    other.write_text("x")
    real_kill = os.kill

    def kill(pid, sig):
        if pid == 424242:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))
        return real_kill(pid, sig)

    monkeypatch.setattr(os, "kill", kill)
    assert remove_stale_temporaries(tmp_path) == [] and other.exists()


def test_text_quoting_a_non_utf8_path_is_written_with_escapes(tmp_path):
    """Python keeps the bytes of a path that is not UTF-8 as lone surrogates; the text file gets \\xNN."""
    from vae_course.atomic_write import printable

    folder = os.fsdecode(b"run-\xff")
    path = atomic_write_text(tmp_path / "report.md", f"- command: `vae-course train --out {folder}`\n")
    assert path.read_bytes() == b"- command: `vae-course train --out run-\\xff`\n"
    assert printable(folder) == "run-\\xff" and printable("r\u00e9sum\u00e9") == "r\u00e9sum\u00e9"
