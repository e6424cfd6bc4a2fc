"""A run killed by SIGKILL, or stopped by a full disk, resumes with ``--resume`` to the same weights.

Every run here is ``vae-course train`` (``cli.main``) on drawn binary digits, 3 epochs of 8 steps,
so no MNIST is needed. The reference runs uninterrupted in this process, and so do the full-disk
cases and the other faults; only the SIGKILL test needs a process of its own. The killed run is a
subprocess running ``cli.main`` that stops itself at the moment the test chooses (half-way through
writing epoch 2's checkpoint: it writes a marker file and sleeps) and is then killed with SIGKILL; the resumed run continues its folder with
``--resume``. Final weights are compared array by array from ``model.weights.h5``.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import imageio.v3 as iio
import numpy as np
import pytest

import vae_course
from drawn_digits import draw_binary_digits
from vae_course import atomic_write as atomic_write_module
from vae_course import preprocessing
from vae_course.cli import main
from vae_course.models import CVAE
from vae_course.training.lock import LOCK
from vae_course.training.report import WEIGHTS
from vae_course.training.run_folder import CHECKPOINT, METRICS, read_checkpoint_meta

EPOCHS = 3
ARGS = ["train", "--train-examples", "512", "--epochs", str(EPOCHS), "--batch-size", "64", "--iwae-k", "0"]
UMASK = 0o027  # differs from the 0600 of a temporary file and from the usual 022
PROJECT_ROOT = Path(vae_course.__file__).resolve().parents[1]

# The killed run: cli.main with the drawn digits instead of MNIST, stopping itself at a chosen moment.
# The hooks are installed when the data is loaded, i.e. after main() set TensorFlow's log level.
DRIVER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    import numpy as np
    import vae_course.preprocessing as preprocessing
    from vae_course.cli import main

    data_file, marker = sys.argv[1], Path(sys.argv[2])

    def install_hook():  # epoch 2's checkpoint is half written into its temporary file, then the kill comes
        import vae_course.atomic_write as aw
        real, writes = aw.atomic_write, []

        def hooked(path, write):
            if Path(path).name != "checkpoint.npz":
                return real(path, write)
            writes.append(path)
            if len(writes) < 2:
                return real(path, write)

            def half_then_stop(tmp):
                write(tmp)
                data = Path(tmp).read_bytes()
                Path(tmp).write_bytes(data[: len(data) // 2])
                marker.write_text("epoch 2 trained, its checkpoint half written")
                time.sleep(600)  # the test kills the process now
            return real(path, half_then_stop)
        aw.atomic_write = hooked

    def drawn_digits(data_dir=None, threshold=0.5):
        install_hook()
        d = np.load(data_file)
        return (d["x_train"], d["y_train"]), (d["x_test"], d["y_test"])

    preprocessing.load_binarized_mnist = drawn_digits
    sys.exit(main(sys.argv[3:]))
''')


def drawn_data():
    """512 training and 64 test images, binary float32 (N, 28, 28, 1), with labels 0..9."""
    x = draw_binary_digits(576, seed=7)
    labels = np.arange(576, dtype=np.uint8) % 10
    return (x[:512], labels[:512]), (x[512:], labels[512:])


@pytest.fixture
def drawn_digits_instead_of_mnist(monkeypatch):
    data = drawn_data()
    monkeypatch.setattr(preprocessing, "load_binarized_mnist", lambda data_dir=None, threshold=0.5: data)
    return data


def weight_arrays(run) -> dict:
    """Every array of ``run/model.weights.h5``, by its HDF5 path."""
    arrays = {}
    with h5py.File(run / "model.weights.h5", "r") as f:
        f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def assert_same_weights(run, reference):
    got, want = weight_arrays(run), weight_arrays(reference)
    assert sorted(got) == sorted(want) and len(want) >= 10  # encoder and decoder kernels and biases
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-6, err_msg=name)


def run_folder_files(run):
    return sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """The uninterrupted run, written under umask 027; returns its folder."""
    out = tmp_path_factory.mktemp("reference") / "run"
    data = drawn_data()
    old = os.umask(UMASK)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(preprocessing, "load_binarized_mnist", lambda data_dir=None, threshold=0.5: data)
            assert main([*ARGS, "--out", str(out)]) == 0
    finally:
        os.umask(old)
    return out


def start_run_that_stops(tmp_path, out):
    """Starts the killed run in a subprocess; returns (process, marker, stdout file, stderr file)."""
    (x_train, y_train), (x_test, y_test) = drawn_data()
    np.savez(tmp_path / "data.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    (tmp_path / "driver.py").write_text(DRIVER)
    marker = tmp_path / "stopped"
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # the CLI's own default
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    stdout, stderr = open(tmp_path / "stdout", "w"), open(tmp_path / "stderr", "w")
    proc = subprocess.Popen([sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "data.npz"), str(marker),
                             *ARGS, "--out", str(out)], stdout=stdout, stderr=stderr, env=env)
    stdout.close(), stderr.close()
    return proc, marker, tmp_path / "stdout", tmp_path / "stderr"


def kill_when_stopped(proc, marker, stderr_file, timeout=180):
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before the chosen moment:\n"
                        f"{stderr_file.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run did not reach the chosen moment in {timeout} s")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_sigkill_then_resume_gives_the_uninterrupted_weights(reference_run, tmp_path, drawn_digits_instead_of_mnist,
                                                              capsys):
    """Killed after epoch 2's steps, half-way through writing its checkpoint: the worst moment."""
    out = tmp_path / "run"
    proc, marker, _, stderr_file = start_run_that_stops(tmp_path, out)
    kill_when_stopped(proc, marker, stderr_file)
    printed = stderr_file.read_text()
    assert "epoch 1/3" in printed and "E0000" not in printed and "cuInit" not in printed  # a quiet start
    assert read_checkpoint_meta(out)["metrics"][0]["epoch"] == 1  # epoch 1's checkpoint survived the kill
    assert len(read_checkpoint_meta(out)["metrics"]) == 1 and not (out / "model.weights.h5").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".tmp")]  # the half file SIGKILL left behind
    metrics_at_kill = (out / METRICS).read_text()
    assert metrics_at_kill.count("\n") == 2  # header and epoch 1

    assert main(["train", "--resume", str(out)]) == 0
    resumed = capsys.readouterr().err
    assert "epoch 2/3" in resumed and "epoch 1/3" not in resumed  # continued; epoch 1 was not trained again
    assert not [p.name for p in out.iterdir() if p.name.startswith(".tmp")]  # --resume removed the dead file
    assert_same_weights(out, reference_run)
    final = (out / METRICS).read_text().splitlines()
    assert final[:2] == metrics_at_kill.splitlines() and len(final) == 1 + EPOCHS  # epoch 1's row kept as it was
    for name in ("report.md", "report.json", "samples.gif", "samples/epoch_003.png", "reconstructions.png"):
        assert (out / name).is_file(), name


@pytest.mark.parametrize("victim, nth", [(CHECKPOINT, 2), (METRICS, 2), ("report.json", 1), (WEIGHTS, 1)])
def test_a_full_disk_keeps_the_previous_files_names_the_file_and_the_run_resumes(
        victim, nth, reference_run, tmp_path, drawn_digits_instead_of_mnist, monkeypatch, capsys):
    """The ``nth`` write of ``victim`` (epoch 2's; the weights and the report after the last epoch) fails
    half-way with ENOSPC, through the real atomic write; the weights' writer is Keras itself, failing in
    whatever file it is handed (so weights written without atomic_write would fail this test)."""
    out, real, writes, before = tmp_path / "run", atomic_write_module.atomic_write, [], {}

    def disk_full_at_epoch_2(path, write):
        if Path(path).name == victim:
            writes.append(path)
            if len(writes) == nth:
                before.update({name: (out / name).read_bytes() for name in (CHECKPOINT, METRICS)})

                def half_then_full(tmp):
                    write(tmp)
                    data = Path(tmp).read_bytes()
                    with open(tmp, "wb") as f:
                        f.write(data[: len(data) // 2])
                        f.flush()
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real(path, half_then_full)
        return real(path, write)

    def keras_writes_half_then_full(model, filepath, *args, **kwargs):  # whatever file Keras is given
        before.update({name: (out / name).read_bytes() for name in (CHECKPOINT, METRICS)})
        real_save_weights(model, filepath, *args, **kwargs)
        data = Path(filepath).read_bytes()
        Path(filepath).write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    real_save_weights = CVAE.save_weights
    if victim == WEIGHTS:  # the weights are written by Keras (HDF5), which atomic_write gives a temporary name
        monkeypatch.setattr(CVAE, "save_weights", keras_writes_half_then_full)
    else:
        monkeypatch.setattr(atomic_write_module, "atomic_write", disk_full_at_epoch_2)
    assert main([*ARGS, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"could not write {out / victim}" in err and "No space left on device" in err
    assert f"--resume {out}" in err and "Traceback" not in err
    after = {name: (out / name).read_bytes() for name in (CHECKPOINT, METRICS)}
    if victim in ("report.json", WEIGHTS):  # training had finished: the folder holds its last checkpoint, no report
        assert after == before and not (out / victim).exists()
        assert len(read_checkpoint_meta(out)["metrics"]) == EPOCHS
    else:
        assert after[victim] == before[victim]  # the failed write changed nothing
    if victim == CHECKPOINT:  # the checkpoint is written before the metrics: both still hold epoch 1
        assert after == before and len(read_checkpoint_meta(out)["metrics"]) == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp")]  # the temporary file was removed

    monkeypatch.setattr(atomic_write_module, "atomic_write", real)
    monkeypatch.setattr(CVAE, "save_weights", real_save_weights)
    assert main(["train", "--resume", str(out)]) == 0
    assert "epoch 1/3" not in capsys.readouterr().err  # resumed, not started again
    assert_same_weights(out, reference_run)
    assert (out / "report.json").is_file() and (out / "report.md").is_file()
    assert (out / METRICS).read_text().count("\n") == 1 + EPOCHS


def test_every_file_in_a_run_folder_has_the_permissions_of_a_plain_file(reference_run, tmp_path):
    old = os.umask(UMASK)
    try:
        with open(tmp_path / "plain", "w") as f:  # the reference: a file opened the ordinary way
            f.write("x")
    finally:
        os.umask(old)
    expected = stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    assert expected == 0o640
    files = run_folder_files(reference_run)
    for name in ("checkpoint.npz", "metrics.csv", "model.weights.h5", "report.json", "report.md", "samples.gif",
                 "samples/epoch_001.png", "samples/epoch_003.png", "reconstructions.png", "training_curves.png",
                 "latent_manifold.png", "latent_scatter.png"):
        assert name in files, name
    modes = {name: oct(stat.S_IMODE(os.stat(reference_run / name).st_mode)) for name in files}
    assert modes == {name: oct(expected) for name in files}


def test_a_full_disk_at_the_first_checkpoint_says_that_there_is_none_and_the_same_command_starts_again(
        reference_run, tmp_path, drawn_digits_instead_of_mnist, monkeypatch, capsys):
    out, real = tmp_path / "run", atomic_write_module.atomic_write

    def disk_full_at_checkpoints(path, write):
        if Path(path).name == CHECKPOINT:
            raise atomic_write_module.AtomicWriteError(errno.ENOSPC, f"could not write {path} (No space left)")
        return real(path, write)

    monkeypatch.setattr(atomic_write_module, "atomic_write", disk_full_at_checkpoints)
    assert main([*ARGS, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "No checkpoint had been saved yet; run the same command again" in err and "--resume" not in err
    monkeypatch.setattr(atomic_write_module, "atomic_write", real)
    assert main([*ARGS, "--out", str(out)]) == 0  # the same command, as the message says
    assert_same_weights(out, reference_run)


def test_resume_completes_a_run_folder_whose_last_epoch_end_was_cut_short(reference_run, tmp_path,
                                                                          drawn_digits_instead_of_mnist, capsys):
    """Killed after the last epoch's checkpoint, before its metrics row, its frame and the GIF: --resume writes
    them, byte for byte as the uninterrupted run did; a frame of an earlier epoch cannot be made again and is named."""
    out = tmp_path / "run"
    shutil.copytree(reference_run, out)
    for name in (WEIGHTS, "report.json", "report.md", "samples.gif", "samples/epoch_003.png"):
        (out / name).unlink()
    (out / METRICS).write_text("".join((reference_run / METRICS).read_text().splitlines(keepends=True)[:3]))
    assert main(["train", "--resume", str(out)]) == 0
    assert "epoch 3/3" not in capsys.readouterr().err  # nothing trained again
    assert (out / METRICS).read_text() == (reference_run / METRICS).read_text()
    assert (out / "samples/epoch_003.png").read_bytes() == (reference_run / "samples/epoch_003.png").read_bytes()
    assert len(iio.imread(out / "samples.gif", index=None)) == EPOCHS
    assert_same_weights(out, reference_run)

    (out / "samples/epoch_001.png").unlink()
    assert main(["train", "--resume", str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: samples/epoch_001.png missing" in err and "cannot be made again" in err
    assert len(iio.imread(out / "samples.gif", index=None)) == EPOCHS - 1


def test_a_second_training_into_a_folder_in_use_is_refused_and_writes_nothing(tmp_path, drawn_digits_instead_of_mnist,
                                                                              capsys):
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, b'pid %d on laptop since 10:00\\n' % os.getpid())\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"), str(out / LOCK)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main([*ARGS, "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert f"in use by another training (pid {holder.pid} on laptop since 10:00" in err
        assert "Results in" not in capsys.readouterr().out
        assert sorted(p.name for p in out.iterdir()) == [LOCK]
    finally:
        holder.kill()
        holder.wait()


def test_a_path_that_is_not_utf8_trains_reports_and_resumes(tmp_path, drawn_digits_instead_of_mnist, monkeypatch,
                                                            capsys):
    out = tmp_path / os.fsdecode(b"run-\xff")
    argv = ["train", "--train-examples", "128", "--epochs", "1", "--iwae-k", "0", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["vae-course", *argv])  # the report quotes the command line
    assert main(argv) == 0
    assert "run-\\xff" in capsys.readouterr().out
    assert b"--out " + str(tmp_path).encode() + b"/run-\\xff" in (out / "report.md").read_bytes()
    (out / "report.md").read_text(encoding="utf-8")  # valid UTF-8
    assert main(["train", "--resume", str(out)]) == 0
