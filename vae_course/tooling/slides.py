"""One reveal.js slide deck per lesson, for instructors: ``make slides`` writes ``build/slides/NN_<topic>.slides.html``.

A deck is made from the lesson's outline ``book/slides/NN_<topic>.yml`` (:mod:`.slide_outline`): a
heading per slide, a few words, one figure or one short code excerpt, and the lesson's prose as
speaker notes (key ``s``). An outline that no longer matches its lesson (a cell gone, a slide too
wordy) stops the build with the slide named; a lesson without an outline gets a drafted one
(``--draft lessons/NN_<topic>.ipynb`` prints it, to edit and save). reveal.js and MathJax 2 come from
the npm registry once (versions in :data:`VENDOR`) into ``build/slides/_vendor/``, so the decks work
offline. The output folder must be empty, new, or made by this tool (nothing else is touched).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from vae_course.atomic_write import atomic_write_text
from vae_course.tooling import colab, slide_outline
from vae_course.tooling.site import notebooks
from vae_course.tooling.site_folders import MARKER, FolderError, check_folder
from vae_course.tooling.slide_deck import deck_html

__all__ = ["VENDOR", "vendor", "lesson_outline", "build", "main"]

VENDOR = {"reveal.js": "4.6.1", "mathjax": "2.7.9"}  # npm pins
MODULES = "_vendor/node_modules"  # relative to the decks' folder


def vendor(out: Path) -> None:
    """Installs the pinned reveal.js and MathJax 2 from npm into ``out/_vendor`` (once)."""
    target = out / "_vendor"
    if all((target / "node_modules" / name / "package.json").is_file() for name in VENDOR):
        return
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed once to fetch reveal.js for offline slides (install Node.js), then run again.")
    specs = [f"{name}@{version}" for name, version in VENDOR.items()]
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(target), *specs],
                   check=True, stdout=subprocess.DEVNULL)


def lesson_outline(root, path, nb) -> dict:
    """The checked outline of lesson ``path``: its file, or a draft when it has none.

    Raises:
        slide_outline.OutlineError: the outline names cells the lesson lacks, or a slide is too wordy.
    """
    rel = Path(path).relative_to(root).as_posix()
    file = slide_outline.outline_path(root, path)
    outline = slide_outline.load(file) if file.is_file() else slide_outline.draft(nb, rel)
    outline["lesson"] = rel
    problems = slide_outline.check(outline, nb, file.relative_to(root).as_posix())
    if problems:
        raise slide_outline.OutlineError("; ".join(problems))
    return outline


def build(root, out, *, site_url="../site") -> list:
    """Writes ``out/NN_<topic>.slides.html`` for every lesson of ``root``; returns the paths."""
    root, out = Path(root).resolve(), Path(out)
    check_folder(out, protect=[root], tool="make slides")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Made by make slides; it rewrites the decks here.\n", encoding="utf-8")
    vendor(out)
    repo_url = colab.repository_url(root)
    paths = []
    for path in notebooks(root, "lessons"):
        nb = nbformat.read(path, as_version=4)
        html = deck_html(lesson_outline(root, path, nb), nb, site_url=site_url, repo_url=repo_url, vendor=MODULES)
        paths.append(atomic_write_text(out / f"{path.stem}.slides.html", html))
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="One reveal.js slide deck per lesson.")
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    parser.add_argument("--out", type=Path, default=Path("build/slides"), help="folder of the decks")
    parser.add_argument("--site-url", default="../site", help="the website the slides link to (default: ../site, "
                        "the folder `make site` writes next to build/slides)")
    parser.add_argument("--draft", type=Path, metavar="LESSON", help="print a drafted outline of LESSON and stop")
    args = parser.parse_args(argv)
    if args.draft:
        nb = nbformat.read(args.draft, as_version=4)
        print(yaml.safe_dump(slide_outline.draft(nb, args.draft.as_posix()), sort_keys=False, allow_unicode=True,
                             width=100), end="")
        return 0
    try:
        paths = build(args.root, args.out, site_url=args.site_url)
    except (RuntimeError, subprocess.CalledProcessError, FolderError, slide_outline.OutlineError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
