"""``vae-course grade``: verdicts of every kind, isolation, tampering, resume, bad arguments, the Dask path.

The learners' answers are written here as plain notebook JSON, independently of the package: right,
wrong, untouched (the stub), tampering, crashing and hanging. Few learners and short limits keep it fast.
"""
from __future__ import annotations

import csv
import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vae_course.cli import main

STUB = 'def {f}(*args):\n    raise NotImplementedError("Exercise 0{n}.1 {f}: replace this line with your code")\n'
RIGHT_BINARIZE = "import numpy as np\ndef binarize(images):\n    return (images / 255 > 0.5).astype(np.float32)[..., None]\n"
WRONG_BINARIZE = "import numpy as np\ndef binarize(images):\n    return (images > 0).astype(np.float32)[..., None]\n"
RIGHT_STD = "import tensorflow as tf\ndef std_from_logvar(logvar):\n    return tf.exp(logvar / 2.0)\n"
WRONG_STD = "import tensorflow as tf\ndef std_from_logvar(logvar):\n    return tf.exp(logvar)\n"
TAMPER_STD = ("import numpy as np, builtins, tensorflow as tf\nimport vae_course.checks.compare as c\n"
              "np.allclose = lambda *a, **k: True\nc.close = lambda *a, **k: True\nc.judge_values = lambda *a, **k: None\n"
              "def std_from_logvar(logvar):\n    np.allclose = lambda *a, **k: True\n    return tf.exp(logvar)\n")
TAMPER_BINARIZE = ("import numpy as np\nnp.array_equal = lambda *a, **k: True\nimport vae_course.checks as c\n"
                   # the undoing and the verdict themselves, switched off at the top level of the answer cell
                   "import vae_course.checks.harness as h, vae_course.grading.worker as w\n"
                   "h.restore = h.undoer = lambda *a, **k: []\nw.verdict_of = lambda error: ('pass', '')\n"
                   "def binarize(images):\n    return (images > 0).astype(np.float32)[..., None]\n")


def notebook(answer: str, check: str, user_check: str = "") -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# exercise"},
             {"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": answer, "outputs": []},
             {"cell_type": "code", "metadata": {"tags": ["check"]}, "outputs": [],
              "source": user_check or f"from vae_course.checks import check_{check}\ncheck_{check}()\n"}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def write_class(root: Path, learners: dict) -> Path:
    for student, notebooks in learners.items():
        for name, (answer, check, *rest) in notebooks.items():
            path = root / student / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(notebook(answer, check, *rest))
    return root


def tree_digest(root: Path) -> str:
    return hashlib.sha256(b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes()
                                   for p in sorted(root.rglob("*")) if p.is_file())).hexdigest()


def grades(out: Path) -> dict:
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


B, S = "01_binarization.ipynb", "03_log_variance.ipynb"
CELL_S = 10  # --timeout per cell (the hanging learner costs it): generous, for a right answer's check on a busy 2-core machine


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = write_class(tmp_path_factory.mktemp("class"), {
        "ada": {B: (RIGHT_BINARIZE, "binarize"), S: (RIGHT_STD, "std_from_logvar")},
        "bob": {B: (WRONG_BINARIZE, "binarize"), S: (STUB.format(f="std_from_logvar", n=3), "std_from_logvar")},
        "cy": {B: (TAMPER_BINARIZE, "binarize"), S: (TAMPER_STD, "std_from_logvar",
                                                       "print('my own check')  # check_std_from_logvar( replaced")},
        "dee": {B: ("import os\nos._exit(3)\n", "binarize"), S: ("import time\nwhile True:\n    time.sleep(0.1)\n", "std_from_logvar")},
        "eve": {S: ('{"not": "code"}', "std_from_logvar")},
    })
    (root / "eve" / B).write_text('{"cells": [{"cell_type": "code", "source": 7, "metadata": {}}]}')  # not text
    (root / "eve" / S).write_text("this is not a notebook")  # not JSON
    before = tree_digest(root)
    out = root.parent / "out"
    started = time.monotonic()
    code = main(["grade", str(root), "--out", str(out), "--workers", "2", "--timeout", str(CELL_S)])
    return root, out, code, before, time.monotonic() - started


def test_each_verdict_kind_lands_in_grades_csv(graded):
    root, out, code, before, _ = graded
    assert code == 0
    rows = grades(out)
    assert list(rows) == ["ada", "bob", "cy", "dee", "eve"]
    header = list(rows["ada"])
    assert header[:3] == ["student", "binarize", "dynamic_binarize"] and header[-2:] == ["passed", "total"]
    assert (rows["ada"]["binarize"], rows["ada"]["std_from_logvar"], rows["ada"]["dynamic_binarize"]) == \
        ("pass", "pass", "fail")  # the stub-less cell of 01's second exercise is absent: not defined, fail
    assert rows["ada"]["log_normal_pdf"] == "missing" and rows["ada"]["total"] == "14"
    assert (rows["bob"]["binarize"], rows["bob"]["std_from_logvar"]) == ("fail", "fail")
    assert rows["dee"]["binarize"] == "error" and rows["dee"]["std_from_logvar"] == "timeout"
    assert rows["eve"]["binarize"] == "error" and rows["eve"]["std_from_logvar"] == "error"
    assert tree_digest(root) == before  # the submissions are never modified


def test_tampering_does_not_turn_wrong_answers_into_passes(graded):
    _, out, *_ = graded
    row = grades(out)["cy"]
    assert (row["binarize"], row["std_from_logvar"]) == ("fail", "fail")  # the committed checks ran, honestly


def test_feedback_gives_the_message_and_hint_never_the_solution(graded):
    _, out, *_ = graded
    text = (out / "feedback" / "bob.md").read_text()
    assert "raw pixels" in text and 'hint("binarize")' in text and "not implemented yet" in text
    assert "/ 255 > 0.5" not in text and "logvar / 2" not in text
    assert "raw pixels" in (out / "feedback" / "bob.html").read_text()
    dee = (out / "feedback" / "dee.md").read_text()
    assert "died at code cell 0" in dee and f"did not finish within {CELL_S} s" in dee


def test_summary_and_chart(graded):
    _, out, *_ = graded
    summary = (out / "summary.md").read_text()
    assert "| `binarize` | 20% |" in summary and "Most frequent failures" in summary
    assert (out / "pass_rate.png").read_bytes()[:4] == b"\x89PNG"


def test_a_second_run_skips_graded_learners_and_regrades_a_changed_one(graded, capsys):
    root, out, *_ = graded
    (root / "bob" / S).write_text(notebook(RIGHT_STD, "std_from_logvar"))
    assert main(["grade", str(root), "--out", str(out), "--timeout", str(CELL_S)]) == 0
    assert "4 already graded, 1 to grade" in capsys.readouterr().err
    rows = grades(out)
    assert rows["bob"]["std_from_logvar"] == "pass" and len(rows) == 5


@pytest.mark.parametrize("make, args, says", [
    (lambda tmp: None, lambda tmp: [str(tmp / "nowhere"), "--out", str(tmp / "o")], "does not exist"),
    (lambda tmp: (tmp / "o").write_text("x"), lambda tmp: [str(tmp), "--out", str(tmp / "o")], "is a file"),
    (lambda tmp: (tmp / "s" / "ann").mkdir(parents=True), lambda tmp: [str(tmp / "s"), "--out", str(tmp / "o")],
     "no exercise notebooks"),
    (lambda tmp: None, lambda tmp: [str(tmp), "--out", str(tmp / "o"), "--workers", "0"], "at least 1"),
])
def test_bad_arguments_exit_2_with_what_to_do(tmp_path, capsys, make, args, says):
    make(tmp_path)
    assert main(["grade", *args(tmp_path)]) == 2
    assert says in capsys.readouterr().err


def test_an_unreachable_scheduler_exits_2(tmp_path, capsys, monkeypatch):
    from vae_course.grading import engine

    monkeypatch.setattr(engine.connect, "__defaults__", (1.0,))  # Dask retries until the timeout: 10 s by default
    write_class(tmp_path / "s", {"ann": {S: (RIGHT_STD, "std_from_logvar")}})
    assert main(["grade", str(tmp_path / "s"), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_a_zip_in_nbgrader_layout_on_a_dask_cluster_gives_the_same_grades(tmp_path):
    import shutil

    from distributed import LocalCluster

    write_class(tmp_path / "course" / "submitted", {"ann": {S: (RIGHT_STD, "std_from_logvar")},
                                                    "ben": {S: (WRONG_STD, "std_from_logvar")}})
    for student in ("ann", "ben"):  # nbgrader: submitted/<student>/<assignment>/<notebook>
        (tmp_path / "course" / "submitted" / student / "ps1").mkdir()
        shutil.move(tmp_path / "course" / "submitted" / student / S, tmp_path / "course" / "submitted" / student / "ps1" / S)
    archive = shutil.make_archive(str(tmp_path / "class"), "zip", tmp_path / "course")
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        assert main(["grade", archive, "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address]) == 0
    dask_rows = grades(tmp_path / "dask")  # what a local run gives these answers (the local path: `graded` above)
    assert list(dask_rows) == ["ann", "ben"]
    assert (dask_rows["ann"]["std_from_logvar"], dask_rows["ben"]["std_from_logvar"]) == ("pass", "fail")
    assert dask_rows["ann"]["binarize"] == "missing" and (dask_rows["ann"]["passed"], dask_rows["ben"]["passed"]) == ("1", "0")


def test_a_run_killed_with_sigkill_resumes_without_losing_or_duplicating_rows(tmp_path, capsys):
    import os

    root = write_class(tmp_path / "s", {f"l{i}": {S: (RIGHT_STD if i % 2 else WRONG_STD, "std_from_logvar")}
                                        for i in range(3)})
    out = tmp_path / "o"
    command = [sys.executable, "-m", "vae_course", "grade", str(root), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not list((out / "results").glob("*.json")):
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)  # the grader, its fork server and its notebook processes
    process.wait()
    done_before = len(list((out / "results").glob("*.json")))
    assert 1 <= done_before < 3
    assert main(command[3:]) == 0  # the same command, run again (here, in this process)
    assert f"{done_before} already graded, {3 - done_before} to grade" in capsys.readouterr().err
    rows = grades(out)
    assert sorted(rows) == ["l0", "l1", "l2"]  # none lost; a dict hides duplicates, so count the lines too
    assert len((out / "grades.csv").read_text().strip().splitlines()) == 1 + 3
    assert [rows[f"l{i}"]["std_from_logvar"] for i in range(3)] == ["fail", "pass", "fail"]
