"""Open in Colab: a badge cell and a set-up cell at the top of every course notebook.

``python -m vae_course.tooling.colab`` inserts, at the top of each notebook in ``lessons/`` and
``solutions/``, two cells:

1. a markdown cell (tagged ``colab-badge``) with an "Open in Colab" badge for that notebook;
2. a code cell (tagged ``colab-setup`` and ``nbval-skip``) that, on Google Colab only
   (``"google.colab" in sys.modules``), pip-installs the course package from the repository and
   fetches MNIST with :func:`vae_course.data.load_mnist`; elsewhere it does nothing.

Running it again replaces those two cells, so it is idempotent. ``exercises/`` get the cells from
the exercise generator, which copies them from the solution and points the badge at the exercise
(:func:`retarget`); ``make colab`` runs both. The repository URL has one home:
``[project.urls] Repository`` in ``pyproject.toml`` (read by :func:`repository_url`).
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

from vae_course.tooling.notebooks import write_notebook

__all__ = ["BADGE_TAG", "SETUP_TAG", "SKIP_TAG", "FOLDERS", "BRANCH", "repository_url", "colab_url", "badge_cell",
           "setup_source", "setup_cell", "is_colab_cell", "strip_colab_cells", "add_colab_cells", "retarget",
           "course_notebooks", "apply", "main"]

BADGE_TAG, SETUP_TAG, SKIP_TAG = "colab-badge", "colab-setup", "nbval-skip"
FOLDERS = ("lessons", "solutions")  # written by apply(); exercises/ get the cells from the generator
BRANCH = "main"  # the branch Colab opens
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)/?$")
_NOTEBOOK = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def repository_url(root) -> str:
    """``[project.urls] Repository`` of ``root/pyproject.toml``: ``https://github.com/OWNER/NAME``."""
    pyproject = Path(root) / "pyproject.toml"
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("urls", {})
    url = urls.get("Repository", "")
    if not _GITHUB.match(url):
        raise ValueError(f"{pyproject}: [project.urls] Repository must be https://github.com/OWNER/NAME "
                         f"(Colab opens notebooks from GitHub), got {url!r}.")
    return url.rstrip("/")


def colab_url(repo_url: str, relpath: str, branch: str = BRANCH) -> str:
    """The Colab address that opens the notebook ``relpath`` (e.g. ``lessons/01_binarization.ipynb``)."""
    owner, name = _GITHUB.match(repo_url).groups()
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{relpath}"


def badge_cell(repo_url: str, relpath: str):
    """The markdown cell with the "Open in Colab" badge for ``relpath``."""
    link = f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(repo_url, relpath)})"
    return nbformat.v4.new_markdown_cell(link, metadata={"tags": [BADGE_TAG]})


def setup_source(repo_url: str) -> str:
    """The set-up cell's code: on Colab, install the package and fetch MNIST; elsewhere, nothing."""
    return "\n".join([
        "# On Google Colab only: install the course package and fetch MNIST. Elsewhere this cell does nothing.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        "    import subprocess",
        "",
        '    pip_install = [sys.executable, "-m", "pip", "install", "--quiet"]',
        f'    subprocess.run([*pip_install, "vae-course @ git+{repo_url}"], check=True)',
        "    from vae_course.data import load_mnist",
        "",
        "    load_mnist()  # downloads MNIST once into Keras' cache",
    ])


def setup_cell(repo_url: str):
    """The code cell (skipped by nbval) that prepares a Colab runtime."""
    return nbformat.v4.new_code_cell(setup_source(repo_url), metadata={"tags": [SETUP_TAG, SKIP_TAG]})


def is_colab_cell(cell) -> bool:
    """True for a cell this module inserted (tagged ``colab-badge`` or ``colab-setup``)."""
    return bool({BADGE_TAG, SETUP_TAG} & set(cell.get("metadata", {}).get("tags", [])))


def strip_colab_cells(nb):
    """``nb`` without the cells this module inserted (in place); returns it."""
    nb.cells = [c for c in nb.cells if not is_colab_cell(c)]
    return nb


def add_colab_cells(nb, repo_url: str, relpath: str):
    """Puts the badge and set-up cells for ``relpath`` at the top of ``nb`` (in place, idempotent); returns it."""
    old = {c.metadata["tags"][0]: c for c in nb.cells if is_colab_cell(c)}
    strip_colab_cells(nb)
    new = [badge_cell(repo_url, relpath), setup_cell(repo_url)]
    for cell in new:  # keep the ids of cells already there, so that a second run changes nothing
        previous = old.get(cell.metadata["tags"][0])
        if previous is not None and "id" in previous:
            cell["id"] = previous["id"]
    nb.cells = new + nb.cells
    return nb


def retarget(nb, folder: str):
    """Points the badge of ``nb`` at the same file name in ``folder`` (e.g. a solution's badge at the exercise)."""
    for cell in nb.cells:
        if BADGE_TAG in cell.get("metadata", {}).get("tags", []):
            cell.source = re.sub(r"/blob/([^/]+)/[^/]+/(\d\d_[a-z0-9_]+\.ipynb)\)", rf"/blob/\1/{folder}/\2)", cell.source)
    return nb


def course_notebooks(root, folders=FOLDERS) -> list:
    """The notebooks ``FOLDER/NN_<topic>.ipynb`` of ``root`` in ``folders``, in order."""
    root = Path(root)
    return [p for folder in folders for p in sorted((root / folder).glob("*.ipynb")) if _NOTEBOOK.match(p.name)]


def apply(root) -> list:
    """Adds or refreshes the Colab cells of the lessons and solutions under ``root``; returns the files changed."""
    root = Path(root)
    repo_url, changed = repository_url(root), []
    for path in course_notebooks(root):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        add_colab_cells(nb, repo_url, path.relative_to(root).as_posix())
        if nbformat.writes(nb) != before:
            write_notebook(nb, path)
            changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Add the Open-in-Colab cells to the lessons and solutions "
                                     "(then run `vae-course make-exercises` for the exercises).")
    parser.add_argument("root", nargs="?", type=Path, default=Path("."), help="the repository (default: .)")
    args = parser.parse_args(argv)
    try:
        changed = apply(args.root)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"wrote {path}")
    print(f"{len(changed)} notebook(s) changed, {len(course_notebooks(args.root)) - len(changed)} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
