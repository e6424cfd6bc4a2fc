"""Open in Colab: a badge cell and a set-up cell at the top of every course notebook.

``python -m vae_course.tooling.colab`` inserts, at the top of each notebook in ``lessons/`` and
``solutions/``, two cells:

1. a markdown cell (tagged ``colab-badge``): an "Open in Colab" badge for that notebook, what to do on
   Colab, and Colab links to the next notebooks in course order (lesson NN, exercise NN, lesson NN+1),
   because the text's relative links (``../exercises/...``) do not work there;
2. a code cell (tagged ``colab-setup`` and ``nbval-skip``) that, on Google Colab only
   (``"google.colab" in sys.modules``), pip-installs the course package from the repository, showing
   pip's output. pip keeps what Colab has (TensorFlow, NumPy, Jupyter) when it fits pyproject.toml's
   ranges; if it changed a package the runtime has already imported, the cell stops and says to restart.
   Otherwise it fetches MNIST with :func:`vae_course.data.load_mnist`. Elsewhere it does nothing.

Running it again replaces those two cells, so it is idempotent. ``exercises/`` get the cells from
the exercise generator, which copies them from the solution and points the badge at the exercise
(:func:`retarget`); ``make colab`` runs both. The repository URL has one home:
``[project.urls] Repository`` in ``pyproject.toml`` (read by :func:`repository_url`).
``make check-colab`` (:mod:`vae_course.tooling.colab_check`) runs the set-up cell on a Colab-like runtime.
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

from vae_course.tooling.notebooks import write_notebook

__all__ = ["BADGE_TAG", "SETUP_TAG", "SKIP_TAG", "FOLDERS", "BRANCH", "READY", "RESTART", "repository_url", "colab_url",
           "package_requirement", "next_notebooks", "badge_source", "badge_cell", "setup_source", "setup_cell",
           "is_colab_cell", "strip_colab_cells", "add_colab_cells", "retarget", "course_notebooks", "apply", "main"]

BADGE_TAG, SETUP_TAG, SKIP_TAG = "colab-badge", "colab-setup", "nbval-skip"
FOLDERS = ("lessons", "solutions")  # written by apply(); exercises/ get the cells from the generator
BRANCH = "main"  # the branch Colab opens
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)/?$")
_NOTEBOOK = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
# What the set-up cell prints last: READY when the course is ready, RESTART when the runtime must restart.
READY = "Set-up done, no restart needed"
RESTART = "Restart needed"


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


def package_requirement(repo_url: str, branch: str = BRANCH) -> str:
    """What the set-up cell asks pip for: the package from ``branch`` of the repository, nothing pinned."""
    return f"vae-course @ git+{repo_url}@{branch}"


def _number(name: str) -> str:
    return name[:2]


def next_notebooks(relpath: str, available) -> list:
    """The notebooks a reader of ``relpath`` goes to next, in course order, as ``(label, relpath)`` pairs.

    Lesson NN leads to exercise NN (when there is one), then lesson NN+1; an exercise or solution NN
    names its lesson NN, then lesson NN+1. ``available`` holds the relative paths of the course's
    notebooks (exercises are named after their solutions).
    """
    folder, name = relpath.split("/")
    number = _number(name)
    lessons = {_number(Path(p).name): p for p in available if p.startswith("lessons/")}
    exercises = {_number(Path(p).name): "exercises/" + Path(p).name for p in available
                 if p.startswith(("exercises/", "solutions/"))}
    following = f"{int(number) + 1:02d}"
    links = []
    if folder == "lessons" and number in exercises:
        links.append((f"exercise {number}", exercises[number]))
    if folder != "lessons" and number in lessons:
        links.append((f"lesson {number}", lessons[number]))
    if following in lessons:
        links.append((f"lesson {following}", lessons[following]))
    return links


def badge_source(repo_url: str, relpath: str, links=()) -> str:
    """The badge cell's markdown: the badge, what to do on Colab, and Colab links to ``links``."""
    badge = f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(repo_url, relpath)})"
    exercise = not relpath.startswith("lessons/")
    todo = ("**On Colab:** run the set-up cell below first; it installs the course package and MNIST, and tells "
            "you if the runtime needs a restart (*Runtime › Restart session*, then run it again).")
    if exercise:
        todo += (" Colab keeps no change to a notebook opened from GitHub: save your answers with *File › Save a "
                 "copy in Drive*. The terminal commands below (`vae-course progress`, `pytest --nbval`) are for a "
                 "copy of the repository; on Colab the check cells are the test, and *Runtime › Run all* runs "
                 "them all.")
    paragraphs = [badge, todo]
    if links:
        named = " · ".join(f"[{label}]({colab_url(repo_url, target)})" for label, target in links)
        paragraphs.append(f"The text's links to other notebooks work in a copy of the repository, not on Colab; "
                          f"there, open {'them' if exercise else 'the next ones'} here: {named}.")
    return "\n\n".join(paragraphs)


def badge_cell(repo_url: str, relpath: str, links=()):
    """The markdown cell with the "Open in Colab" badge for ``relpath`` (see :func:`badge_source`)."""
    return nbformat.v4.new_markdown_cell(badge_source(repo_url, relpath, links), metadata={"tags": [BADGE_TAG]})


def setup_source(repo_url: str, requirement: str | None = None) -> str:
    """The set-up cell's code: on Colab, install the package, say if a restart is needed, fetch MNIST.

    ``requirement`` replaces what pip installs (default :func:`package_requirement`); ``make
    check-colab`` points it at the local checkout.
    """
    requirement = requirement or package_requirement(repo_url)
    if '"' in requirement or "\\" in requirement:
        raise ValueError(f"the requirement {requirement!r} must not hold quotes or backslashes.")
    return "\n".join([
        "# On Google Colab only: install the course package and fetch MNIST. Elsewhere this cell does nothing.",
        "# pip keeps Colab's own TensorFlow, NumPy and Jupyter when they fit the course's version ranges.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        "    import importlib",
        "    import importlib.metadata as metadata",
        "    import re",
        "    import subprocess",
        "",
        "    def name(dist):  # pip's spelling of a package name: lower case, runs of -_. as one -",
        '        return re.sub(r"[-_.]+", "-", dist).lower()',
        "",
        "    def installed():",
        '        return {name(d.metadata["Name"] or ""): d.version for d in metadata.distributions()}',
        "",
        "    before = installed()",
        f'    package = "{requirement}"  # nothing else named, nothing pinned',
        "    pip_install = [sys.executable, \"-m\", \"pip\", \"install\", \"--progress-bar\", \"off\"]  # bars garble a cell",
        '    pip = subprocess.Popen([*pip_install, package], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)',
        "    for line in pip.stdout:  # pip's own output, as it comes",
        '        print(line, end="")',
        "    if pip.wait() != 0:",
        '        raise RuntimeError("pip could not install the course package: its output above says why.")',
        "    after = installed()",
        "    owners = metadata.packages_distributions()  # top-level module -> packages providing it",
        "    imported = {name(d) for m in list(sys.modules) for d in owners.get(m.partition('.')[0], [])}",
        "    stale = sorted(n for n in imported if before.get(n) not in (None, after.get(n)))",
        "    if stale:  # old code in memory, new files on disk: restart before going on",
        '        changes = ", ".join(f"{n} {before[n]} -> {after.get(n)}" for n in stale)',
        f'        raise RuntimeError(f"{RESTART}: pip changed {{changes}}, already imported in this runtime. "',
        '                           "Runtime > Restart session, then run this cell again.")',
        "    importlib.invalidate_caches()",
        "    from vae_course.data import load_mnist",
        "",
        "    load_mnist()  # downloads MNIST once into Keras' cache",
        f'    print("{READY}.")',
    ])


def setup_cell(repo_url: str, requirement: str | None = None):
    """The code cell (skipped by nbval) that prepares a Colab runtime (see :func:`setup_source`)."""
    return nbformat.v4.new_code_cell(setup_source(repo_url, requirement), metadata={"tags": [SETUP_TAG, SKIP_TAG]})


def is_colab_cell(cell) -> bool:
    """True for a cell this module inserted (tagged ``colab-badge`` or ``colab-setup``)."""
    return bool({BADGE_TAG, SETUP_TAG} & set(cell.get("metadata", {}).get("tags", [])))


def strip_colab_cells(nb):
    """``nb`` without the cells this module inserted (in place); returns it."""
    nb.cells = [c for c in nb.cells if not is_colab_cell(c)]
    return nb


def add_colab_cells(nb, repo_url: str, relpath: str, links=()):
    """Puts the badge and set-up cells for ``relpath`` at the top of ``nb`` (in place, idempotent); returns it.

    ``links``: the ``(label, relpath)`` pairs the badge cell links to on Colab (see :func:`next_notebooks`).
    """
    old = {c.metadata["tags"][0]: c for c in nb.cells if is_colab_cell(c)}
    strip_colab_cells(nb)
    new = [badge_cell(repo_url, relpath, links), setup_cell(repo_url)]
    for cell in new:  # keep the ids of cells already there, so that a second run changes nothing
        previous = old.get(cell.metadata["tags"][0])
        if previous is not None and "id" in previous:
            cell["id"] = previous["id"]
    nb.cells = new + nb.cells
    return nb


_BADGE_LINK = re.compile(r"(\[!\[Open In Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*?/blob/[^/]+/)"
                         r"[^/]+/(\d\d_[a-z0-9_]+\.ipynb)\)")


def retarget(nb, folder: str):
    """Points the badge of ``nb`` at the same file name in ``folder`` (e.g. a solution's badge at the exercise).

    Only the badge's own link changes; the links to the next notebooks stay as they are.
    """
    for cell in nb.cells:
        if BADGE_TAG in cell.get("metadata", {}).get("tags", []):
            cell.source = _BADGE_LINK.sub(rf"\g<1>{folder}/\2)", cell.source, count=1)
    return nb


def course_notebooks(root, folders=FOLDERS) -> list:
    """The notebooks ``FOLDER/NN_<topic>.ipynb`` of ``root`` in ``folders``, in order."""
    root = Path(root)
    return [p for folder in folders for p in sorted((root / folder).glob("*.ipynb")) if _NOTEBOOK.match(p.name)]


def apply(root) -> list:
    """Adds or refreshes the Colab cells of the lessons and solutions under ``root``; returns the files changed."""
    root = Path(root)
    repo_url, changed = repository_url(root), []
    available = [p.relative_to(root).as_posix() for p in course_notebooks(root)]
    for path in course_notebooks(root):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        relpath = path.relative_to(root).as_posix()
        add_colab_cells(nb, repo_url, relpath, next_notebooks(relpath, available))
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
