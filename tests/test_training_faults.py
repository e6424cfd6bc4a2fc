"""Faults around a training run: Ctrl-C between a call and its bookkeeping, resume at the trailing partial
batch, an epoch's end cut short, two trainings on one folder, stale files, and bad checkpoint metadata."""
import io
import math
import os
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from vae_course.training import TrainingDiverged, TrainingInterrupted, build, fit
from vae_course.training import TrainConfig, make_weight_average
from vae_course.training import run_folder as runs
from vae_course.training.lock import LOCK, RunFolderBusy, run_folder_lock

TINY = TrainConfig(preset="tiny", latent_dim=2, epochs=2, batch_size=32, learning_rate=1e-3,
                   train_examples=128, test_examples=64, iwae_k=0, seed=3, steps_per_call=3)


@pytest.fixture
def python_ctrl_c():
    """Python's own SIGINT handler for the test's duration. A shell starts a background job with SIGINT
    ignored, and Python then leaves it ignored (``.ci/run &`` does that): the loop rightly keeps its hands
    off such a handler, and a real SIGINT would be lost."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.default_rng(0)
    probs = rng.random((1, 28, 28, 1)) ** 3
    x = (rng.random((192, 28, 28, 1)) < probs).astype(np.float32)
    return x[:128], x[128:]


def quiet_fit(config, out, data, **kwargs):
    return fit(config, out, data, stream=io.StringIO(), **kwargs)


def interrupt_at(call, after_the_call=False, real_signal=False):
    """wrap_step: Ctrl-C at the ``call``-th compiled call, before it runs or (real SIGINT) just after it ran."""
    def wrap(steps, model, average):
        calls = {"n": 0}

        def wrapped(idx):
            calls["n"] += 1
            if calls["n"] != call:
                return steps(idx)
            if not after_the_call:
                raise KeyboardInterrupt
            losses = steps(idx)  # the compiled call ran: its steps are in the optimizer ...
            if real_signal:
                signal.raise_signal(signal.SIGINT)  # ... and Ctrl-C arrives before its losses are counted
            else:
                raise KeyboardInterrupt
            return losses
        return wrapped
    return wrap


def rows(metrics):
    """epoch, train loss and test ELBO of every epoch, flat (for pytest.approx)."""
    return [value for m in metrics for value in (m["epoch"], m["train_loss"], m["test_elbo"])]


def test_ctrl_c_just_after_a_compiled_call_keeps_its_losses_in_the_epochs_average(tmp_path, tiny_data,
                                                                                   python_ctrl_c):
    """A real SIGINT right after call 3 (epoch 2's first call, 3 steps) returned: the run stops after counting
    that call's losses, and the resumed run writes the uninterrupted run's metrics."""
    _, reference = quiet_fit(TINY, tmp_path / "a", tiny_data)
    with pytest.raises(TrainingInterrupted, match="epoch 2, step 3"):
        quiet_fit(TINY, tmp_path / "b", tiny_data, wrap_step=interrupt_at(3, after_the_call=True, real_signal=True))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's own handler is back
    assert runs.read_checkpoint_meta(tmp_path / "b")["partial"]["count"] == 3 * 32
    _, metrics = quiet_fit(TINY, tmp_path / "b", tiny_data, resume=True)
    assert rows(metrics) == pytest.approx(rows(reference), abs=1e-4)


def test_ctrl_c_after_the_last_call_of_an_epoch_stops_after_its_end(tmp_path, tiny_data, python_ctrl_c):
    with pytest.raises(TrainingInterrupted, match="after epoch 1; its checkpoint"):
        quiet_fit(TINY, tmp_path, tiny_data, wrap_step=interrupt_at(2, after_the_call=True, real_signal=True))
    meta = runs.read_checkpoint_meta(tmp_path)
    assert len(meta["metrics"]) == 1 and len(runs.read_metrics(tmp_path)) == 1


def test_resume_exactly_at_the_trailing_partial_batch(tmp_path, tiny_data):
    """120 images in batches of 32: 3 full steps and one of 24; interrupted before that last step."""
    config = TINY.replace(train_examples=120)
    _, reference = quiet_fit(config, tmp_path / "a", tiny_data)
    with pytest.raises(TrainingInterrupted, match="epoch 1, step 3"):
        quiet_fit(config, tmp_path / "b", tiny_data, wrap_step=interrupt_at(2))  # call 2 is the partial batch
    _, metrics = quiet_fit(config, tmp_path / "b", tiny_data, resume=True)
    assert rows(metrics) == pytest.approx(rows(reference), abs=1e-4)
    assert rows(runs.read_metrics(tmp_path / "b")) == pytest.approx(rows(reference), abs=1e-4)


class Frames:
    """An on_epoch_end that records the epochs it was called for, like EpochSnapshots writing a frame."""

    def __init__(self):
        self.epochs = []

    def __call__(self, model, metrics):
        self.epochs.append(metrics[-1]["epoch"])


def test_resume_completes_the_end_of_an_epoch_that_was_cut_short(tmp_path, tiny_data):
    """Killed after the last epoch's checkpoint, before its metrics row and frame: --resume writes both."""
    quiet_fit(TINY, tmp_path, tiny_data)
    full = (tmp_path / runs.METRICS).read_text()
    runs.write_metrics(tmp_path, runs.read_checkpoint_meta(tmp_path)["metrics"][:1])  # epoch 2's row lost
    frames = Frames()
    _, metrics = quiet_fit(TINY, tmp_path, tiny_data, resume=True, on_epoch_end=frames)
    assert frames.epochs == [2] and len(metrics) == 2
    assert (tmp_path / runs.METRICS).read_text() == full


def test_no_checkpoint_yet_is_said_when_epoch_1_diverges(tmp_path, tiny_data):
    def nan_first(steps, model, average):
        return lambda idx: np.full(len(idx), math.nan)

    with pytest.raises(TrainingDiverged, match="epoch 1, step 1.*No checkpoint was saved"):
        quiet_fit(TINY, tmp_path, tiny_data, wrap_step=nan_first)
    assert not runs.has_checkpoint(tmp_path)


def dead_pid():
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_fresh_run_removes_a_dead_processs_temporary_files(tmp_path, tiny_data):
    (tmp_path / "samples").mkdir(parents=True)
    stale = [tmp_path / f".tmp-{dead_pid()}-x-checkpoint.npz", tmp_path / "samples" / f".tmp-{dead_pid()}-y-e.png"]
    for path in stale:
        path.write_bytes(b"half")
    quiet_fit(TINY.replace(epochs=1), tmp_path, tiny_data)
    assert not any(path.exists() for path in stale)


HOLDER = ("import fcntl, os, sys, time\n"
          "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
          "fcntl.flock(fd, fcntl.LOCK_EX)\n"
          "os.write(fd, b'pid %d on elsewhere since now\\n' % os.getpid())\n"
          "print('locked', flush=True)\n"
          "time.sleep(120)\n")


@pytest.fixture
def folder_locked_by_another_process(tmp_path):
    """A living process that holds tmp_path/run/train.lock (flock, its pid written), killed afterwards."""
    out = tmp_path / "run"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out / LOCK)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield out, proc
    proc.kill()
    proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_second_training_into_a_locked_folder_is_refused_then_a_dead_owners_lock_is_taken_over(
        folder_locked_by_another_process, tiny_data):
    out, holder = folder_locked_by_another_process
    with pytest.raises(RunFolderBusy, match=f"in use by another training \\(pid {holder.pid} on elsewhere"):
        quiet_fit(TINY.replace(epochs=1), out, tiny_data)
    assert sorted(p.name for p in out.iterdir()) == [LOCK]  # nothing written
    holder.kill()
    holder.wait()
    assert (out / LOCK).read_text().startswith(f"pid {holder.pid} ")  # the dead owner's file is still there
    quiet_fit(TINY.replace(epochs=1), out, tiny_data)  # taken over
    assert runs.has_checkpoint(out) and not (out / LOCK).exists()  # released at the end


def test_the_lock_names_its_owner_and_is_reentrant_in_one_process(tmp_path):
    with run_folder_lock(tmp_path):
        assert (tmp_path / LOCK).read_text().startswith(f"pid {os.getpid()} on ")
        with run_folder_lock(tmp_path):  # vae-course train holds it, then fit takes it again
            pass
        assert (tmp_path / LOCK).exists()
    assert not (tmp_path / LOCK).exists()


# --- checkpoint metadata and arrays ------------------------------------------------------------------------

def good_meta():
    return {"config": dict(TINY.__dict__), "metrics": [], "partial": {"loss_sum": 0.0, "count": 0, "seconds": 0.0}}


def without_config(meta):
    del meta["config"]
    return meta


def with_unknown_key(meta):
    meta["comment"] = "x"
    return meta


def with_unknown_setting(meta):
    meta["config"]["dropout"] = 0.5
    return meta


def with_bad_setting(meta):
    meta["config"]["batch_size"] = -1
    return meta


def with_bad_metrics(meta):
    meta["metrics"] = [{"epoch": 1}]
    return meta


@pytest.mark.parametrize("spoil, phrase", [
    (lambda meta: [meta], "found a list"), (without_config, "missing config"),
    (with_unknown_key, "unknown key 'comment'"), (with_unknown_setting, "dropout"),
    (with_bad_setting, "batch_size must be a positive integer"), (with_bad_metrics, "metrics must be a list of rows"),
    (lambda meta: {**meta, "config": [1]}, "config is a list")])
def test_checkpoint_metadata_that_fit_does_not_write_is_refused_naming_the_file(spoil, phrase, tmp_path):
    model, optimizer = build(TINY)
    runs.save_checkpoint(tmp_path, model, optimizer, spoil(good_meta()))
    path = tmp_path / runs.CHECKPOINT
    for read in (lambda: runs.read_checkpoint_meta(tmp_path), lambda: runs.load_checkpoint(tmp_path, model, optimizer)):
        with pytest.raises(ValueError, match="unusable metadata") as info:
            read()
        assert str(path) in str(info.value) and phrase in str(info.value)


def _rewrite_array(path, name, value):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays[name] = value(arrays[name])
    np.savez(path, **arrays)


@pytest.mark.parametrize("value, phrase", [
    (lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.inf, a).astype(a.dtype), "not finite"),
    (lambda a: a.astype(np.float64), "float64"),
])
def test_a_corrupted_checkpoint_array_is_refused_naming_the_file(value, phrase, tmp_path):
    model, optimizer = build(TINY)
    average = make_weight_average(TINY, model)
    runs.save_checkpoint(tmp_path, model, optimizer, good_meta(), average)
    path = tmp_path / runs.CHECKPOINT
    _rewrite_array(path, "model_0000", value)
    with pytest.raises(ValueError, match=f"checkpoint {path} is corrupt: array model_0000.*{phrase}"):
        runs.load_checkpoint(tmp_path, model, optimizer, average)


def test_flipped_bytes_in_a_checkpoint_array_are_refused_naming_the_file(tmp_path):
    model, optimizer = build(TINY)
    runs.save_checkpoint(tmp_path, model, optimizer, good_meta())
    path = tmp_path / runs.CHECKPOINT
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("model_0000.npy")
    data = bytearray(path.read_bytes())
    data[info.header_offset + 200] ^= 0xFF  # inside the first array's data: its CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"checkpoint {path} is corrupt"):
        runs.load_checkpoint(tmp_path, model, optimizer)


def test_a_stale_lock_naming_this_processs_own_pid_is_taken_over_not_mistaken_for_ours(tmp_path):
    """In a container a restarted training often gets the pid of the killed one: its file is stale all the same."""
    (tmp_path / LOCK).write_text(f"pid {os.getpid()} on a-container since yesterday\n")  # no one holds the flock
    with run_folder_lock(tmp_path):
        assert (tmp_path / LOCK).read_text() != f"pid {os.getpid()} on a-container since yesterday\n"  # rewritten
        holder = subprocess.run([sys.executable, "-c", (
            "import fcntl, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    print('held')\n"),
            str(tmp_path / LOCK)], capture_output=True, text=True)
        assert holder.stdout.strip() == "held"  # really locked, not just assumed to be ours
    assert not (tmp_path / LOCK).exists()
