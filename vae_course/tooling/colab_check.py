"""``make check-colab``: lesson 01 and exercise 03 on a Colab-like runtime, set up by their own Colab cell.

pyproject.toml states version ranges; ``make test`` runs only their upper end (constraints.txt). This
check runs the lower end, as Google Colab ships it:

1. a throwaway virtual environment (``--work``/venv, deleted first) gets :data:`COLAB_RUNTIME`:
   TensorFlow 2.19, NumPy 2.0, Keras 3.10 and Matplotlib 3.10 instead of the pins, plus a Jupyter kernel;
2. lesson 01 and exercise 03 (its exercise cells holding the solution's code) run in a kernel of that
   environment (nothing compared: outputs differ across versions). Each opens as on Colab: numpy and
   matplotlib already imported, ``google.colab`` in ``sys.modules``, then the notebook's set-up cell
   (:func:`vae_course.tooling.colab.setup_source`) pointed at a fresh copy of this checkout (what pip
   would clone from GitHub) instead of GitHub;
3. it fails unless the set-up cell reports no restart needed, pip left every package of the runtime at
   its version (it may only add), no cell raised, and exercise 03's checks print ✓.

MNIST comes from ``VAE_COURSE_DATA`` (there is no internet in CI); on Colab the set-up cell downloads it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from vae_course.tooling import colab
from vae_course.tooling.notebooks import QUIET_ENV, write_notebook

__all__ = ["COLAB_RUNTIME", "LESSON", "EXERCISE", "LOCAL_ONLY", "build_runtime", "source_copy", "installed", "colab_notebook", "with_solution",
           "execute", "check_setup_output", "check_passed", "unchanged", "main"]

# Colab's own stack (Python 3.12) at the lower end of pyproject.toml's ranges; tf-keras and TFP match
# TensorFlow 2.19 (tf-keras 2.19 requires it; TFP 0.25 requires TensorFlow >= 2.16).
COLAB_RUNTIME = ("tensorflow==2.19.0", "tf-keras==2.19.0", "tensorflow-probability==0.25.0", "keras==3.10.0",
                 "numpy==2.0.2", "matplotlib==3.10.0", "imageio==2.37.0", "ipykernel")
LESSON = "lessons/01_binarization.ipynb"
EXERCISE = "03_log_variance.ipynb"  # in exercises/, run with the code of solutions/
COLAB_START = ("# What a fresh Colab runtime has: numpy and matplotlib imported, google.colab present.\n"
               "import sys, types\n\nimport matplotlib.pyplot\nimport numpy\n\n"
               'sys.modules["google.colab"] = types.ModuleType("google.colab")')


def build_runtime(python: str, venv: Path) -> Path:
    """Creates ``venv`` (deleting what is there) with :data:`COLAB_RUNTIME`; returns its Python."""
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    venv_python = venv / "bin" / "python"
    subprocess.run([venv_python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([venv_python, "-m", "pip", "install", "--quiet", *COLAB_RUNTIME], check=True)
    return venv_python


# What `git clone` would not bring (ignored or local): left out of the copy pip installs from.
LOCAL_ONLY = (".git", ".venv", "build", "runs", "figures", "*.egg-info", "__pycache__", ".ipynb_checkpoints",
              ".pytest_cache", ".ruff_cache")


def source_copy(root: Path, dest: Path) -> Path:
    """A fresh copy of the checkout ``root`` in ``dest`` (replaced), as pip's clone from GitHub would be.

    Building from it leaves the checkout alone (no ``build/lib`` there, nothing stale in the wheel).
    """
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    return dest


def installed(venv_python) -> dict:
    """``{package: version}`` of everything installed for ``venv_python``, as pip names them."""
    out = subprocess.run([venv_python, "-m", "pip", "list", "--format=json"], check=True, capture_output=True,
                         text=True).stdout
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out)}


def colab_notebook(nb, repo_url: str, requirement: str):
    """``nb`` opened as on Colab: :data:`COLAB_START`, then its set-up cell installing ``requirement``."""
    nb = colab.strip_colab_cells(nb)
    start = nbformat.v4.new_code_cell(COLAB_START, metadata={"tags": ["colab-start"]})
    nb.cells = [start, colab.setup_cell(repo_url, requirement), *nb.cells]
    return nb


def with_solution(exercise, solution):
    """``exercise`` with each cell tagged ``exercise`` replaced by the solution's cell at the same place."""
    if len(exercise.cells) != len(solution.cells):
        raise ValueError(f"the exercise has {len(exercise.cells)} cells and its solution {len(solution.cells)}: "
                         "regenerate exercises/ with `make exercises`.")
    replaced = 0
    for mine, theirs in zip(exercise.cells, solution.cells):
        if "exercise" in mine.metadata.get("tags", []):
            mine.source, replaced = theirs.source, replaced + 1
    if not replaced:
        raise ValueError("the exercise has no cell tagged 'exercise' to fill in.")
    return exercise


def execute(nb, venv_python, cwd: Path, timeout: int = 900):
    """Runs ``nb`` (in place) with a kernel of ``venv_python`` in ``cwd``; a cell that raises stops it."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    class RuntimeKernel(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return [str(venv_python), "-m", "ipykernel_launcher", "-f", self.connection_file]

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}  # only what pip installed
    env.update(QUIET_ENV)
    env["PATH"] = f"{Path(venv_python).parent}{os.pathsep}{env.get('PATH', '')}"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.kernel_manager_class = RuntimeKernel
    client.execute(env=env)
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def check_setup_output(nb) -> str:
    """The set-up cell's output; ValueError unless it shows pip's output and reports :data:`colab.READY`."""
    cell = next(c for c in nb.cells if colab.SETUP_TAG in c.metadata.get("tags", []))
    text = _text(cell)
    if colab.READY not in text:
        raise ValueError(f"the set-up cell did not report '{colab.READY}'; its output:\n{text[-3000:]}")
    if "Successfully installed vae-course" not in text:
        raise ValueError(f"the set-up cell did not show pip's output; it printed:\n{text[-3000:]}")
    return text


def check_passed(nb) -> int:
    """The number of check cells of ``nb``; ValueError unless each printed a line starting with ✓."""
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    failed = [i for i, c in enumerate(checks) if "✓" not in _text(c)]
    if not checks or failed:
        raise ValueError(f"{len(checks)} check cell(s), {len(failed)} without a ✓ line: {failed}")
    return len(checks)


def unchanged(before: dict, after: dict) -> list:
    """The packages whose version differs in ``after`` from ``before`` (added ones do not count)."""
    return [f"{n} {v} -> {after.get(n)}" for n, v in sorted(before.items()) if after.get(n) != v]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the runtime's interpreter (Colab: Python 3.12)")
    parser.add_argument("--work", type=Path, default=Path("build/colab-check"),
                        help="where its venv, source and content folders are (re)made")
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository checkout to install")
    args = parser.parse_args(argv)
    root, work, start = args.root.resolve(), args.work.resolve(), time.perf_counter()
    if not os.environ.get("VAE_COURSE_DATA"):
        print("error: set VAE_COURSE_DATA to the folder of the MNIST files (there is no download here).",
              file=sys.stderr)
        return 1
    venv_python = build_runtime(args.python, work / "venv")
    before = installed(venv_python)
    version = subprocess.run([venv_python, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    print(f"runtime built in {time.perf_counter() - start:.0f} s: {version}, "
          + ", ".join(f"{n} {before[n]}" for n in ("tensorflow", "numpy", "keras", "tf-keras",
                                                   "tensorflow-probability", "matplotlib", "imageio")), flush=True)
    source = source_copy(root, work / "source")
    repo_url, requirement = colab.repository_url(root), f"vae-course @ {source.as_uri()}"
    content = work / "content"  # an empty folder, like Colab's /content
    content.mkdir(parents=True, exist_ok=True)
    solution = nbformat.read(root / "solutions" / EXERCISE, as_version=4)
    notebooks = {LESSON: nbformat.read(root / LESSON, as_version=4),
                 f"exercises/{EXERCISE}": with_solution(nbformat.read(root / "exercises" / EXERCISE, as_version=4),
                                                        solution)}
    from nbclient.exceptions import CellExecutionError

    for rel, nb in notebooks.items():
        t0 = time.perf_counter()
        try:
            nb = execute(colab_notebook(nb, repo_url, requirement), venv_python, content)
            check_setup_output(nb)
            checks = check_passed(nb) if rel.startswith("exercises/") else 0
        except (CellExecutionError, ValueError) as err:
            print(f"error: {rel} on the Colab-like runtime: {err}", file=sys.stderr)
            return 1
        finally:
            write_notebook(nb, work / Path(rel).name)
        print(f"{rel}: ran on the runtime in {time.perf_counter() - t0:.0f} s"
              + (f", {checks} check(s) passed" if checks else ""), flush=True)
    after = installed(venv_python)
    changed = unchanged(before, after)
    if changed:
        print("error: the set-up cell changed the runtime's packages: " + "; ".join(changed), file=sys.stderr)
        return 1
    added = sorted(set(after) - set(before))
    print(f"check-colab passed in {time.perf_counter() - start:.0f} s; the set-up cell added {', '.join(added)} "
          f"and changed nothing else (executed notebooks in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
