"""One reveal.js slide deck per lesson, for instructors: ``make slides`` writes ``build/slides/NN_<topic>.slides.html``.

Slide boundaries are the lesson's sections: the title cell and every ``##`` heading start a slide,
``###`` a sub-slide (below it), other cells follow on the current slide, the Colab cells are left
out. The metadata is set on a copy in memory; the committed notebooks are not changed.
nbconvert's slides point at CDNs; here reveal.js, MathJax 2, require.js and jQuery come from the
npm registry (versions in :data:`VENDOR`) into ``build/slides/_vendor/``, so the decks work offline.
Open a deck in a browser; ``s`` shows the speaker notes window.
"""
from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from vae_course.atomic_write import atomic_write_text
from vae_course.tooling import colab
from vae_course.tooling.site import notebooks

__all__ = ["VENDOR", "slide_type", "split_at_headings", "mark_slides", "exporter_config", "deck_html", "vendor", "build",
           "main"]

VENDOR = {"reveal.js": "4.6.1", "mathjax": "2.7.9", "requirejs": "2.3.7", "jquery": "3.7.1"}  # npm pins
MODULES = "_vendor/node_modules"  # relative to the decks' folder
MERMAID_STUB = "_vendor/mermaid-stub.mjs"  # no diagrams in the lessons: an empty module instead of the CDN's


def slide_type(cell, first: bool) -> str:
    """reveal.js slide type of one cell: a section heading starts a slide; the Colab cells are skipped."""
    if colab.is_colab_cell(cell):
        return "skip"
    heading = cell.source.lstrip().split("\n", 1)[0] if cell.cell_type == "markdown" else ""
    if first or heading.startswith(("# ", "## ")):
        return "slide"
    return "subslide" if heading.startswith("### ") else "-"


def split_at_headings(nb):
    """A copy of ``nb`` whose markdown cells are cut before every ``##``/``###`` heading that is not on their first line."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or colab.is_colab_cell(cell):
            cells.append(cell)
            continue
        parts = re.split(r"\n(?=#{2,3} )", cell.source)
        cells += [nbformat.v4.new_markdown_cell(part.strip("\n"), metadata=copy.deepcopy(cell.metadata)) for part in parts]
    nb.cells = cells
    return nb


def mark_slides(nb):
    """A copy of ``nb``, cut at its section headings, with ``metadata.slideshow.slide_type`` set on every cell."""
    nb = split_at_headings(nb)
    shown = [c for c in nb.cells if not colab.is_colab_cell(c)]
    for cell in nb.cells:
        cell.metadata["slideshow"] = {"slide_type": slide_type(cell, bool(shown) and cell is shown[0])}
    return nb


def exporter_config(prefix: str = MODULES) -> dict:
    """nbconvert settings that point every script of the deck at the local copies under ``prefix``."""
    from traitlets.config import Config

    return Config({"SlidesExporter": {
        "reveal_url_prefix": f"{prefix}/reveal.js", "reveal_theme": "white", "reveal_scroll": True,
        "reveal_number": "c/t",
        "mathjax_url": f"{prefix}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        "require_js_url": f"{prefix}/requirejs/require.js", "jquery_url": f"{prefix}/jquery/dist/jquery.min.js"}})


def deck_html(nb, config=None) -> str:
    """The reveal.js HTML of a marked notebook."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(config=config or exporter_config())
    exporter.mermaid_js_url = f"./{MERMAID_STUB}"  # not a configurable setting in nbconvert 7.17
    body, _ = exporter.from_notebook_node(nb)
    return body


def vendor(out: Path) -> None:
    """Installs the pinned reveal.js, MathJax 2, require.js and jQuery from npm into ``out/_vendor``."""
    target = out / "_vendor"
    if all((target / "node_modules" / name / "package.json").is_file() for name in VENDOR):
        return
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed once to fetch reveal.js for offline slides (install Node.js), then run again.")
    specs = [f"{name}@{version}" for name, version in VENDOR.items()]
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(target), *specs],
                   check=True, stdout=subprocess.DEVNULL)


def build(root, out) -> list:
    """Writes ``out/NN_<topic>.slides.html`` for every lesson of ``root``; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    vendor(out)
    atomic_write_text(out / MERMAID_STUB, "export default { initialize() {} };\n")
    paths = []
    for path in notebooks(root, "lessons"):
        html = deck_html(mark_slides(nbformat.read(path, as_version=4)))
        paths.append(atomic_write_text(out / f"{path.stem}.slides.html", html))
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="One reveal.js slide deck per lesson.")
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    parser.add_argument("--out", type=Path, default=Path("build/slides"), help="folder of the decks")
    args = parser.parse_args(argv)
    try:
        paths = build(args.root, args.out)
    except (RuntimeError, subprocess.CalledProcessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
