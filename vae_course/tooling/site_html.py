"""The website's HTML: a Sphinx extension of the book and the tidying of the built pages.

As an extension (listed in ``book/_config.yml``) it drops Thebe (its scripts point at a CDN, and
Jupyter Book 1.0.4 adds them twice), the theme's download button (each
notebook page has its own bar: Open in Colab, Download) and adds ``_static/course.css`` (pages that fit 390 px to 1280 px).
:func:`tidy_site` then fixes, in every built page, what the themes get wrong for readers and screen
readers: three viewport meta tags (one is kept), search and colour-mode buttons whose spoken name differs
from their visible text, the primary sidebar outside any landmark, and empty table header cells. Introduced with
the website (README, "The course on the web"); no lesson uses it.
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["tidy_page", "tidy_site", "setup"]

_VIEWPORT = re.compile(r'\s*<meta name="viewport"[^>]*>')
_EMPTY_TH = re.compile(r'<th class="head">(\s*<p>\s*</p>\s*)?</th>')
_SEARCH_LABEL = re.compile(r'(<button class="[^"]*search-button[^"]*"[^>]*?) aria-label="Search"')
_SIDEBAR = re.compile(r'<div( id="pst-primary-sidebar")? class="bd-sidebar-primary bd-sidebar"')
_THEME_ICON = re.compile(r'<i class="theme-switch ([^"]*"[^>]*?) title="[^"]*"([^>]*)>')
_MATH_TH = re.compile(r'<th class="head"><p><span class="math notranslate nohighlight">\\\((.*?)\\\)</span></p></th>')


def tidy_page(html: str) -> str:
    """One built page with the fixes of this module applied (idempotent)."""
    metas = list(_VIEWPORT.finditer(html))
    for match in reversed(metas[1:]):
        html = html[:match.start()] + html[match.end():]
    html = _EMPTY_TH.sub('<td class="head"></td>', html)
    html = _SEARCH_LABEL.sub(r"\1", html)  # the name comes from the visible text, "Search Ctrl+K"
    html = _SIDEBAR.sub(r'<div\1 role="navigation" aria-label="Course contents" class="bd-sidebar-primary bd-sidebar"',
                        html)
    html = _MATH_TH.sub(lambda m: f'<th class="head"><span class="visually-hidden">{_spoken(m.group(1))}</span><p>'
                        f'<span class="math notranslate nohighlight">\\({m.group(1)}\\)</span></p></th>', html)
    html = _THEME_ICON.sub(r'<i aria-hidden="true" class="theme-switch \1\2>', html)  # its name: "Color mode"
    return html


def _spoken(tex: str) -> str:
    """A TeX formula as plain words for a header cell's label: ``\\sigma(r)`` -> ``sigma(r)``."""
    return re.sub(r"[\\{}\"<>&]", "", tex).strip()


def tidy_site(folder) -> None:
    """Applies :func:`tidy_page` to every HTML page under ``folder``."""
    for path in Path(folder).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        tidied = tidy_page(text)
        if tidied != text:
            path.write_text(tidied, encoding="utf-8")


def _drop_thebe(app, pagename, templatename, context, doctree):
    context["script_files"] = [js for js in context.get("script_files", [])
                               if "thebe" not in str(getattr(js, "filename", js) or "")
                               and "THEBE_JS_URL" not in str(getattr(js, "attributes", {}).get("body", ""))]


def _configure(app, config):
    config.html_theme_options = {**(config.html_theme_options or {}), "use_download_button": False}
    config.numfig = False  # figures are numbered per lesson by site_figures ("Figure 3."), not across the book


def setup(app):
    """The Sphinx extension: no Thebe, one bar of buttons (the page's own), the course's style sheet."""
    app.connect("config-inited", _configure, priority=900)  # after Jupyter Book sets numfig
    app.connect("html-page-context", _drop_thebe)
    app.add_css_file("course.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
