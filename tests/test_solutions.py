"""Every solution notebook runs whole, in this process, and prints what it has stored: its checks pass.

What `pytest --nbval solutions/` checked, without a Jupyter kernel per notebook (each one imported
TensorFlow again): each notebook's code cells run in order in a fresh namespace, "# Use it" parts
included, with the notebook's folder as working directory (as nbval's kernel has it) and matplotlib's
Agg backend. As nbval compares, each cell's printed text (stdout, its streams merged) must equal its
stored text after the sanitize patterns of tests/nbval_sanitize.cfg; the figures a cell leaves open
stand for its displayed figures (their text/plain, "<Figure size ... with N Axes>"; images are not
compared, as nbval does not); stderr is ignored (conftest.py). nbval's cell tags keep their meaning:
``nbval-skip`` (the Colab set-up cell) is not run, ``nbval-ignore-output`` runs uncompared,
``nbval-raises-exception`` must raise. Every ``check`` cell must print one ``✓`` line.
"""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from nbval.plugin import coalesce_streams, get_sanitize_patterns

from inprocess import kept_randomness, run_cell

from vae_course.tooling.exercises import CHECK_TAG, solution_paths

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = solution_paths(ROOT / "solutions")
SANITIZE = get_sanitize_patterns((Path(__file__).parent / "nbval_sanitize.cfg").read_text(encoding="utf-8"))


def sanitize(text: str) -> str:
    for regex, replace in SANITIZE:
        text = re.sub(regex, replace, text)
    return text


def compared_outputs(outputs) -> dict:
    """What nbval compares of a cell's outputs: stdout merged into one text, then each data type's texts."""
    compared = {}
    for output in coalesce_streams([nbformat.from_dict(o) for o in outputs]):
        if output.output_type == "stream":
            if output.name == "stdout":
                compared.setdefault("stdout", []).append(sanitize(output.text))
        elif output.output_type in ("display_data", "execute_result"):
            for mime, value in output.data.items():
                if mime not in ("image/png", "image/jpeg"):
                    compared.setdefault(mime, []).append(sanitize(value if isinstance(value, str) else "".join(value)))
    return compared


@pytest.fixture
def isolated_randomness():
    """The notebooks seed TensorFlow, NumPy or Python's random: the next tests in this process get theirs back."""
    with kept_randomness():
        yield


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solution_notebook_runs_and_prints_its_stored_outputs(path, monkeypatch, isolated_randomness):
    monkeypatch.chdir(path.parent)  # nbval's kernel starts in the notebook's folder
    nb = nbformat.read(path, as_version=4)
    namespace = {"__name__": "__main__"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    checks = passed = 0
    try:
        for index, cell in enumerate(code):  # numbered as nbval's "Cell N": code cells from 0
            tags = cell.metadata.get("tags", [])
            if "nbval-skip" in tags:
                continue
            where = f"{path.name} code cell {index}"
            if "nbval-raises-exception" in tags:
                with pytest.raises(Exception):  # noqa: B017 (as nbval: any exception the cell is tagged to raise)
                    run_cell(cell.source, namespace, where)
                continue
            outputs = run_cell(cell.source, namespace, where)
            printed = "".join(o.get("text", "") for o in outputs)
            if CHECK_TAG in tags:
                checks += 1
                passed += sum(line.startswith("✓ ") for line in printed.splitlines())
            if "nbval-ignore-output" not in tags:
                stored = compared_outputs(cell.outputs)
                assert compared_outputs(outputs) == stored, (
                    f"{where} printed other outputs than the notebook stores (re-run and save the notebook if "
                    f"the change is meant):\nstored: {stored}\nnow:    {compared_outputs(outputs)}")
    finally:
        plt.close("all")
    assert checks > 0 and passed == checks, f"{path.name}: {passed} of {checks} check cells printed a ✓ line"


def test_every_solution_notebook_is_checked_here():
    assert [p.stem for p in SOLUTIONS] == sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb")) != []
