"""Running a notebook's code cells in this process, as a Jupyter kernel would, without starting one.

A kernel per notebook imports TensorFlow again (seconds each); the tests that only need what the cells
print, raise or leave open run them here instead: each cell's source is executed in one namespace, its
last expression's value shown, its stdout captured, and the figures it leaves open reported as the
inline backend shows them (then closed). Used by tests/test_solutions.py and tests/test_exercises.py.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import io
import linecache
import random

import matplotlib.pyplot as plt
import nbformat
import numpy as np
from IPython.lib.pretty import pretty

__all__ = ["run_cell", "execute_in_process", "kept_randomness"]


def run_cell(source: str, namespace: dict, where: str) -> list:
    """Runs one cell as a kernel would (its last expression's value is shown); returns its outputs."""
    linecache.cache[where] = (len(source), None, source.splitlines(True), where)  # tracebacks show the cell's lines
    tree = ast.parse(source, where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    shown = last is not None and not source.rstrip().endswith(";")
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            exec(compile(tree, where, "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), where, "eval"), namespace)
    except BaseException as err:
        err.printed = stdout.getvalue()  # what the cell printed before it raised
        raise
    outputs = [{"output_type": "stream", "name": "stdout", "text": stdout.getvalue()}] if stdout.getvalue() else []
    if shown and value is not None:
        outputs.append({"output_type": "execute_result", "data": {"text/plain": pretty(value)}, "metadata": {},
                        "execution_count": None})
    for number in plt.get_fignums():  # the inline backend shows, then closes, every figure left open
        outputs.append({"output_type": "display_data", "data": {"text/plain": repr(plt.figure(number))},
                        "metadata": {}})
    plt.close("all")
    return outputs


@contextlib.contextmanager
def kept_randomness():
    """Notebooks seed TensorFlow, NumPy and Python's random: what runs after them gets the old states back."""
    import tensorflow as tf
    from tensorflow.python.eager import context

    states = random.getstate(), np.random.get_state(), context.global_seed()
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        tf.random.set_seed(states[2])


def execute_in_process(nb, name: str):
    """A copy of ``nb`` with every code cell run in order, as nbclient's ``allow_errors=True`` leaves it.

    Each cell gets an execution count and its outputs; a cell that raises gets an ``error`` output
    (``ename``: the exception's class name, ``evalue``: its message) and the next cells still run.
    The caller sets the working directory (a kernel starts in the notebook's folder).
    """
    nb = copy.deepcopy(nb)
    namespace = {"__name__": "__main__"}
    count = 0
    with kept_randomness():
        try:
            for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
                count += 1
                cell.execution_count = count
                try:
                    outputs = run_cell(cell.source, namespace, f"{name} code cell {index}")
                except Exception as err:  # noqa: BLE001 (recorded as the kernel records it)
                    printed = getattr(err, "printed", "")
                    outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
                    outputs.append({"output_type": "error", "ename": type(err).__name__, "evalue": str(err),
                                    "traceback": [f"{type(err).__name__}: {err}"]})
                cell.outputs = [nbformat.from_dict(o) for o in outputs]
        finally:
            plt.close("all")
    return nb
