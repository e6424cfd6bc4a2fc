"""The course website: ``make site`` builds ``build/site`` with Jupyter Book 1.x, offline.

The site shows README.md as its home page, then the lessons and the exercise notebooks in lesson
order (the table of contents is made from the files present, so a new ``lessons/NN_<topic>.ipynb``
appears by itself). Notebooks are not executed: their stored outputs are shown, so a lesson whose
code cells lack outputs is refused, naming the notebook. Every notebook page opens with an
"Open in Colab" link and a download link. The book settings are in ``book/_config.yml``; the
pages are staged in ``<out>-src/`` (copies; the committed files are never changed).
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

from vae_course.tooling import colab

__all__ = ["SECTIONS", "SiteError", "notebooks", "cells_without_outputs", "check_outputs", "table_of_contents",
           "join_inline_math_lines", "stage", "build", "setup", "main"]

SECTIONS = (("Lessons", "lessons"), ("Exercises", "exercises"))  # sidebar captions and folders, in order
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
    """The Jupyter Book ``_toc.yml`` content: README first, then one part per section in lesson order."""
    parts = [{"caption": caption, "chapters": [{"file": f"{folder}/{p.stem}"} for p in notebooks(root, folder)]}
             for caption, folder in SECTIONS if notebooks(root, folder)]
    return {"format": "jb-book", "root": "index", "parts": parts}


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
    """The first cell of a notebook page: open it on Colab, or download it."""
    return nbformat.v4.new_markdown_cell(
        f"[Open in Colab]({colab.colab_url(repo_url, rel)}) · "
        f"{{download}}`Download the notebook </_notebooks/{rel}>`", metadata={"tags": ["site-header"]})


def stage(root, stage_dir) -> Path:
    """Writes the book's sources (index.md, notebooks, _toc.yml, _config.yml) into a fresh ``stage_dir``."""
    root, stage_dir = Path(root).resolve(), Path(stage_dir)
    repo_url = colab.repository_url(root)
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    paths = [p for _, folder in SECTIONS for p in notebooks(root, folder)]
    docs = {p.resolve() for p in paths}
    for path in paths:
        rel = path.relative_to(root).as_posix()
        (stage_dir / "_notebooks" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, stage_dir / "_notebooks" / rel)  # what the download link gives: the file as committed
        nb = colab.strip_colab_cells(nbformat.read(path, as_version=4))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _rewrite_links(join_inline_math_lines(cell.source), path.parent, root, stage_dir,
                                             docs, repo_url)
        nb.cells.insert(0, _header_cell(repo_url, rel))
        (stage_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, stage_dir / rel)
    readme = (root / "README.md").read_text(encoding="utf-8")
    (stage_dir / "index.md").write_text(_rewrite_links(readme, root, root, stage_dir, docs, repo_url), encoding="utf-8")
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
    stage_dir = stage(root, out.with_name(out.name + "-src"))
    from jupyter_book.sphinx import build_sphinx

    if out.exists():
        shutil.rmtree(out)
    result = build_sphinx(str(stage_dir), str(out), path_config=str(stage_dir / "_config.yml"),
                          confoverrides={"external_toc_path": "_toc.yml", "latex_individualpages": False}, doctreedir=str(stage_dir / ".doctrees"),
                          noconfig=True, quiet=quiet, freshenv=True)
    if result != 0 or not (out / "index.html").is_file():
        raise SiteError(f"the Sphinx build of {stage_dir} failed ({result!r}); see the messages above.")
    return out


def _drop_thebe(app, pagename, templatename, context, doctree):
    """No Thebe on this site: its scripts point at a CDN, and Jupyter Book 1.0.4 adds them twice."""
    context["script_files"] = [js for js in context.get("script_files", [])
                               if "thebe" not in str(getattr(js, "filename", js) or "")
                               and "THEBE_JS_URL" not in str(getattr(js, "attributes", {}).get("body", ""))]


def setup(app):
    """This module is also a Sphinx extension of the book (listed in book/_config.yml)."""
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


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
