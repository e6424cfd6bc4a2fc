"""Executing course notebooks reproducibly (for authors, the exercise tools and the tests).

``python -m vae_course.tooling.notebooks lessons/01_binarization.ipynb`` runs a notebook in this
environment's Python and stores its outputs, minus stderr streams (TensorFlow's start-up log
lines, with timestamps) and minus execution timings, so that committed outputs are the same
on every machine and nbval can compare them.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat

from vae_course.atomic_write import atomic_write_text

__all__ = ["QUIET_ENV", "clean_outputs", "write_notebook", "execute_notebook", "main"]

QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore", "KMP_WARNINGS": "0"}


def clean_outputs(nb):
    """Drops stderr streams and per-cell timing metadata from ``nb`` in place; returns it."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def write_notebook(nb, path) -> Path:
    """Writes ``nb`` to ``path`` atomically, byte for byte as ``nbformat.write`` would."""
    text = nbformat.writes(nb)
    return atomic_write_text(path, text if text.endswith("\n") else text + "\n")


def execute_notebook(path, *, timeout=600, allow_errors=False, cwd=None):
    """Runs the notebook at ``path`` with a kernel of this Python; returns the executed notebook.

    The file is not modified. ``cwd`` defaults to the notebook's folder (as Jupyter does).
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    client = NotebookClient(nb, timeout=timeout, allow_errors=allow_errors, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    client.kernel_manager_class = _current_env_kernel_manager()
    client.execute()
    return nb


def _current_env_kernel_manager():
    from jupyter_client.manager import KernelManager

    class CurrentEnvKernelManager(KernelManager):
        """Starts the kernel with this interpreter, whatever kernelspec the notebook names."""

        def format_kernel_cmd(self, extra_arguments=None):
            return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]

    return CurrentEnvKernelManager


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = clean_outputs(execute_notebook(path, timeout=args.timeout))
        write_notebook(nb, path)
        print(f"executed {path}")


if __name__ == "__main__":
    main()
