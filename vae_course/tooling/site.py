"""The course website: ``make site`` builds ``build/site`` with Jupyter Book 1.x, offline.

The home page is the learners' front page ``book/index.md`` (:mod:`.site_home`), then the notebooks
in course order: lesson NN, its exercise NN, lesson NN+1 (the table of contents is made from the files
present, so a new ``lessons/NN_<topic>.ipynb`` appears by itself; a lesson without an exercise is
followed by the next lesson). Notebooks are not executed: their stored outputs are shown, so a lesson
whose code cells lack outputs is refused, naming the notebook. Every notebook page opens with one bar of
buttons, Open in Colab and Download; every figure gets an alt text and a numbered caption
(:mod:`.site_figures`). The book settings are in ``book/_config.yml``; the pages are staged in
``<out>-src/`` (copies; the committed files are never changed). Both folders are replaced only when
the tool made them (:mod:`.site_folders`); any other folder is refused, naming it.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import yaml

from vae_course.tooling import colab, site_figures, site_home, site_html
from vae_course.tooling.site_folders import FolderError, check_folder, fresh_folder

__all__ = ["SECTIONS", "SiteError", "notebooks", "course_order", "cells_without_outputs", "check_outputs",
           "table_of_contents", "join_inline_math_lines", "stage", "build", "main"]

SECTIONS = ("lessons", "exercises")  # the folders of the site's notebooks; lesson NN before exercise NN
CHECKED = ("lessons",)  # folders whose notebooks must carry their outputs
IMAGE_SUFFIXES = {".png", ".gif", ".svg", ".jpg", ".jpeg"}
_NOTEBOOK = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_INLINE_MATH = re.compile(r"(?<![$\\])\$(?!\$)((?:[^$\\]|\\.)+?)\$(?!\$)", re.S)


class SiteError(Exception):
    """The site cannot be built from this tree (the message says which file and what to do)."""


def notebooks(root, folder) -> list:
    """``root/folder/NN_<topic>.ipynb`` in lesson-number order."""
    paths = [p for p in Path(root, folder).glob("*.ipynb") if _NOTEBOOK.match(p.name)]
    return sorted(paths, key=lambda p: (int(p.name[:2]), p.name))


def course_order(root) -> list:
    """The course's notebooks in reading order: lesson NN, exercise NN, lesson NN+1, ..."""
    paths = [(int(p.name[:2]), rank, p) for rank, folder in enumerate(SECTIONS) for p in notebooks(root, folder)]
    return [p for *_, p in sorted(paths, key=lambda t: (t[0], t[1], t[2].name))]


def cells_without_outputs(nb) -> list:
    """Indices of code cells that were never run (no execution count); empty cells and nbval-skip cells aside."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.source.strip() and c.get("execution_count") is None
            and colab.SKIP_TAG not in c.metadata.get("tags", [])]


def check_outputs(root) -> None:
    """Raises SiteError naming every lesson notebook with code cells that have no stored outputs."""
    bad = []
    for folder in CHECKED:
        for path in notebooks(root, folder):
            missing = cells_without_outputs(nbformat.read(path, as_version=4))
            if missing:
                bad.append(f"{path.relative_to(root)} (code cells {', '.join(map(str, missing))})")
    if bad:
        raise SiteError("these notebooks lack their outputs: " + "; ".join(bad) + ". The site shows stored "
                        "outputs: run `python -m vae_course.tooling.notebooks <notebook>` on each, then build again.")


def table_of_contents(root) -> dict:
    """The Jupyter Book ``_toc.yml`` content: the front page, then every notebook in course order."""
    root = Path(root)
    chapters = [{"file": p.relative_to(root).with_suffix("").as_posix()} for p in course_order(root)]
    return {"format": "jb-book", "root": "index", "parts": [{"caption": "The course", "chapters": chapters}] if chapters
            else []}


def _rewrite_links(text, source_dir, root, stage_dir, docs, repo_url):
    """Local links in markdown: images are copied into the stage, other repo files link to GitHub."""
    def fix(match):
        bang, label, target = match.groups()
        if re.match(r"^[a-z]+:|^#|^/", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        file = (source_dir / path).resolve()
        if not file.is_file() or not file.is_relative_to(root) or file in docs:
            return match.group(0)
        rel = file.relative_to(root).as_posix()
        if bang and file.suffix.lower() in IMAGE_SUFFIXES:
            (stage_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, stage_dir / rel)
            return match.group(0)
        return f"{bang}[{label}]({repo_url}/blob/{colab.BRANCH}/{rel}{'#' + anchor if anchor else ''})"
    return _LINK.sub(fix, text)


def join_inline_math_lines(text: str) -> str:
    """Puts each inline formula ``$...$`` of markdown ``text`` on one line (code and ``$$`` blocks aside).

    Jupyter reads the math of a cell before its markdown, MyST after it: a formula's second line that
    starts with "+ " or "- " would become a list item on the site, leaving the TeX unrendered.
    """
    def join(match):
        body = match.group(1)
        return match.group(0) if re.search(r"\n\s*\n", body) else "$" + re.sub(r"[ \t]*\n[ \t]*", " ", body) + "$"

    parts = _CODE.split(text)
    return "".join(part if k % 2 else _INLINE_MATH.sub(join, part) for k, part in enumerate(parts))


def _header_cell(repo_url, rel):
    """The first cell of a notebook page: one bar of buttons, open it on Colab or download it."""
    return nbformat.v4.new_markdown_cell(f":::{{div}} course-buttons\n{site_home.button_bar(repo_url, rel)}\n:::",
                                         metadata={"tags": ["site-header"]})


def stage(root, stage_dir) -> Path:
    """Writes the book's sources (index.md, notebooks, _toc.yml, _config.yml) into a fresh ``stage_dir``.

    Raises:
        FolderError: ``stage_dir`` exists and was not made by this tool (nothing is deleted).
    """
    root = Path(root).resolve()
    repo_url = colab.repository_url(root)
    stage_dir = fresh_folder(stage_dir, protect=[root])
    paths = course_order(root)
    docs = {p.resolve() for p in paths}
    for path in paths:
        rel = path.relative_to(root).as_posix()
        (stage_dir / "_notebooks" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, stage_dir / "_notebooks" / rel)  # what the download link gives: the file as committed
        nb = site_figures.prepare(colab.strip_colab_cells(nbformat.read(path, as_version=4)))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _rewrite_links(join_inline_math_lines(cell.source), path.parent, root, stage_dir,
                                             docs, repo_url)
        nb.cells.insert(0, _header_cell(repo_url, rel))
        (stage_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, stage_dir / rel)
    numbered = {folder: {int(p.name[:2]): p for p in notebooks(root, folder)} for folder in SECTIONS}
    home = site_home.front_page((root / "book" / "index.md").read_text(encoding="utf-8"), root,
                                numbered["lessons"], numbered["exercises"], repo_url)
    (stage_dir / "index.md").write_text(_rewrite_links(home, root / "book", root, stage_dir, docs, repo_url),
                                        encoding="utf-8")
    if (root / "book" / "_static").is_dir():
        shutil.copytree(root / "book" / "_static", stage_dir / "_static")
    (stage_dir / "_toc.yml").write_text(yaml.safe_dump(table_of_contents(root), sort_keys=False), encoding="utf-8")
    config = yaml.safe_load((root / "book" / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = repo_url
    config["exclude_patterns"] = ["_notebooks", "_build", ".doctrees"]
    (stage_dir / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return stage_dir


def build(root, out, *, quiet=True) -> Path:
    """Checks the outputs, stages the sources in ``<out>-src`` and builds the HTML site into ``out``."""
    root, out = Path(root).resolve(), Path(out).resolve()
    check_outputs(root)
    stage_src = out.with_name(out.name + "-src")
    try:
        for folder in (out, stage_src):  # both checked before either is touched
            check_folder(folder, protect=[root])
        fresh_folder(out, protect=[root])
        stage_dir = stage(root, stage_src)
    except FolderError as err:
        raise SiteError(str(err)) from None
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(str(stage_dir), str(out), path_config=str(stage_dir / "_config.yml"),
                          confoverrides={"external_toc_path": "_toc.yml", "latex_individualpages": False}, doctreedir=str(stage_dir / ".doctrees"),
                          noconfig=True, quiet=quiet, freshenv=True)
    if result != 0 or not (out / "index.html").is_file():
        raise SiteError(f"the Sphinx build of {stage_dir} failed ({result!r}); see the messages above.")
    site_html.tidy_site(out)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the course website (Jupyter Book 1.x, offline).")
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    parser.add_argument("--out", type=Path, default=Path("build/site"), help="HTML output (default: build/site)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        out = build(args.root, args.out)
    except SiteError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"site built in {time.perf_counter() - start:.1f} s: open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
