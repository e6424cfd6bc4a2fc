"""The reveal.js HTML of one lesson's deck, from its outline (:mod:`.slide_outline`) and the lesson.

Each slide is a ``<section>``: its heading, its points, then one figure (the PNG the lesson's cell
stored, embedded) or one code excerpt, laid out in a 1280×720 frame where the figure takes the room
left; the lesson's prose named in ``notes`` goes into ``<aside class="notes">`` (reveal.js's speaker
view, key ``s``). reveal.js keeps its default theme and font size. Links in points and notes point at
the website (``site_url``, default ``../site``, the folder ``make site`` writes next to
``build/slides``): lesson and exercise notebooks to their pages, other files of the repository to
GitHub. Introduced with the slides (README, "For instructors").
"""
from __future__ import annotations

import html
import re
from pathlib import PurePosixPath

from markdown_it import MarkdownIt

from vae_course.tooling import colab
from vae_course.tooling.slide_outline import excerpt

__all__ = ["WIDTH", "HEIGHT", "site_link", "markdown_html", "slide_html", "deck_html"]

WIDTH, HEIGHT = 1280, 720  # reveal.js's slide size: every slide must fit it
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
STYLE = f"""
.reveal .slides section .frame {{ display: flex; flex-direction: column; height: {HEIGHT - 40}px; text-align: left; }}
.reveal .slides section.title-slide .frame {{ justify-content: center; text-align: center; }}
.reveal .frame h1, .reveal .frame h2 {{ flex: none; text-transform: none; }}
.reveal .frame ul {{ flex: none; margin: 0 0 0.4em 1em; }}
.reveal .frame .visual {{ flex: 1 1 0; min-height: 0; display: flex; justify-content: center; align-items: center; }}
.reveal .frame .visual img {{ max-width: 100%; max-height: 100%; object-fit: contain; margin: 0; }}
.reveal .frame .visual pre {{ width: 100%; margin: 0; max-height: 100%; overflow: hidden; box-shadow: none; }}
.reveal .frame .visual pre code {{ max-height: none; overflow: hidden; white-space: pre-wrap; }}
.reveal .slides section.title-slide h1 {{ font-size: 2.5em; }}
"""


def site_link(target: str, lesson: str, site_url: str, repo_url: str) -> str:
    """Where a link of lesson ``lesson`` (e.g. ``lessons/01_x.ipynb``) points from a slide."""
    if re.match(r"^[a-z]+:", target):
        return target
    path, _, anchor = target.partition("#")
    page = PurePosixPath(lesson).with_suffix(".html") if not path else None
    if path:
        resolved = PurePosixPath(lesson).parent
        for part in PurePosixPath(path).parts:
            resolved = resolved.parent if part == ".." else resolved / part
        if resolved.suffix == ".ipynb" and resolved.parts[0] in ("lessons", "exercises"):
            page = resolved.with_suffix(".html")
        else:
            return f"{repo_url}/blob/{colab.BRANCH}/{resolved.as_posix()}{'#' + anchor if anchor else ''}"
    return f"{site_url.rstrip('/')}/{page.as_posix()}{'#' + anchor if anchor else ''}"


def markdown_html(text: str, lesson: str, site_url: str, repo_url: str, *, inline=False) -> str:
    """Markdown (with ``$`` math left for MathJax, links sent to the site) as HTML."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: f"[{m.group(1)}]({site_link(m.group(2), lesson, site_url, repo_url)})", text)
    maths = []

    def keep(match):
        maths.append(match.group(0))
        return f"MATH{len(maths) - 1}X"
    md = MarkdownIt("commonmark").enable("table")
    rendered = (md.renderInline if inline else md.render)(_MATH.sub(keep, text))
    return re.sub(r"MATH(\d+)X", lambda m: html.escape(maths[int(m.group(1))], quote=False), rendered)


def slide_html(slide, cells, images, lesson, site_url, repo_url, *, title=False) -> str:
    """One ``<section>``: heading, points, one figure or code excerpt, speaker notes."""
    def md(text, inline=True):
        return markdown_html(text, lesson, site_url, repo_url, inline=inline)
    parts = [f"<h1>{md(slide['title'])}</h1>" if title else f"<h2>{md(slide['title'])}</h2>"]
    if slide.get("points"):
        parts.append("<ul>" + "".join(f"<li>{md(p)}</li>" for p in slide["points"]) + "</ul>")
    if slide.get("figure"):
        alt = html.escape(str((cells[slide["figure"]].metadata.get("figure") or {}).get("alt") or slide["title"]))
        parts.append(f'<div class="visual"><img alt="{alt}" src="data:image/png;base64,{images[slide["figure"]]}">'
                     "</div>")
    elif slide.get("code"):
        code = html.escape(excerpt(cells[slide["code"]], slide.get("lines")))
        parts.append(f'<div class="visual"><pre><code class="language-python">{code}</code></pre></div>')
    notes = "\n".join(md(cells[i].source, inline=False) for i in slide.get("notes", []))
    css = ' class="title-slide"' if title else ""
    return f'<section{css}><div class="frame">{"".join(parts)}</div><aside class="notes">{notes}</aside></section>'


def deck_html(outline, nb, *, site_url="../site", repo_url="", vendor="_vendor/node_modules") -> str:
    """The whole deck of lesson ``nb`` as one HTML page loading reveal.js and MathJax 2 from ``vendor``."""
    cells = {c.get("id"): c for c in nb.cells}
    images = {c.get("id"): out["data"]["image/png"].replace("\n", "") for c in nb.cells if c.cell_type == "code"
              for out in c.get("outputs", []) if "image/png" in out.get("data", {})}
    lesson = outline["lesson"]
    sections = "\n".join(slide_html(s, cells, images, lesson, site_url, repo_url, title=k == 0)
                         for k, s in enumerate(outline["slides"]))
    name = html.escape(re.sub(r"[`$*]", "", outline["slides"][0]["title"]))
    reveal = f"{vendor}/reveal.js"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · slides</title>
<link rel="stylesheet" href="{reveal}/dist/reveal.css"><link rel="stylesheet" href="{reveal}/dist/theme/white.css">
<style>{STYLE}</style></head>
<body><div class="reveal"><div class="slides">
{sections}
</div></div>
<script src="{reveal}/dist/reveal.js"></script><script src="{reveal}/plugin/notes/notes.js"></script>
<script src="{reveal}/plugin/math/math.js"></script>
<script>Reveal.initialize({{width: {WIDTH}, height: {HEIGHT}, center: false, hash: true, slideNumber: "c/t",
  mathjax2: {{mathjax: "{vendor}/mathjax/MathJax.js", config: "TeX-AMS_CHTML-full",
             CommonHTML: {{matchFontHeight: false}}}},  // hidden slides have no font to measure: no tiny formulas
  plugins: [RevealNotes, RevealMath.MathJax2]}});</script>
</body></html>
"""
