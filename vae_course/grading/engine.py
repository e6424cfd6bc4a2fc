"""Grading learners in parallel: local threads each driving notebook processes, or a Dask cluster.

:func:`grade_learner` is a plain function of plain data (the learner's notebook texts, the committed
check cells, the limits): the local engine calls it from ``--workers`` threads (the work itself runs
in one process per notebook, forked from a server that imported TensorFlow once), and the Dask
engine submits it to a ``distributed`` cluster, where each Dask worker forks its own notebook
processes. Both give the same grades.
"""
from __future__ import annotations

import concurrent.futures
from pathlib import Path

from vae_course.grading.plan import NotebookError, plan_steps
from vae_course.grading.runner import Limits, grade_notebook

__all__ = ["grade_learner", "grade_local", "grade_dask", "connect"]


def grade_learner(student: str, texts: dict, committed: dict, limits: Limits, digest: str = "") -> dict:
    """The result of one learner: {"student", "hash", "verdicts": {exercise: {"verdict", "message"}}}.

    Args:
        texts: course notebook name -> the learner's notebook text (None: not handed in).
        committed: course notebook name -> [(exercise, check cell source)].
    """
    verdicts = {}
    for name in sorted(committed):
        exercises = [e for e, _ in committed[name]]
        text = texts.get(name)
        if text is None:
            verdicts.update({e: {"verdict": "missing", "message": f"{name} was not handed in"} for e in exercises})
            continue
        try:
            steps = plan_steps(text, name, committed[name])
        except NotebookError as err:
            verdicts.update({e: {"verdict": "error", "message": f"the notebook could not be read: {err}"}
                             for e in exercises})
            continue
        for exercise, (verdict, message) in grade_notebook(steps, limits).items():
            verdicts[exercise] = {"verdict": verdict, "message": f"{name}: {message}" if verdict in
                                  ("error", "timeout") else message}
    return {"student": student, "hash": digest, "verdicts": verdicts}


def _texts(learner) -> dict:
    out = {}
    for name, path in learner.notebooks.items():
        try:
            out[name] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            out[name] = f"<unreadable: {err}>"  # not JSON: graded as 'error'
    return out


def grade_local(jobs, committed, limits, workers: int):
    """Yields results as learners finish; ``jobs`` are (learner, hash) pairs."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(grade_learner, learner.student, _texts(learner), committed, limits, digest)
                   for learner, digest in jobs]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


def connect(address: str, timeout: float = 10.0):
    """A ``distributed.Client`` for the scheduler at ``address``.

    Raises:
        RuntimeError: distributed is not installed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client
    except ImportError:
        raise RuntimeError("--scheduler needs Dask's distributed: pip install 'vae-course[cluster]'.") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address} ({err}); start one "
                           "(dask scheduler, or dask-jobqueue) and give its address, e.g. tcp://host:8786.") from None


def grade_dask(client, jobs, committed, limits):
    """Yields results as learners finish, each graded by a task on the Dask cluster behind ``client``."""
    from distributed import as_completed

    futures = [client.submit(grade_learner, learner.student, _texts(learner), committed, limits, digest,
                             pure=False, key=f"grade-{learner.student}-{digest}") for learner, digest in jobs]
    for future in as_completed(futures):
        yield future.result()
