"""The course website in a real browser: build it (`make site`'s code), serve it, check every page.

Needs Chromium (Debian: `apt-get install chromium`; elsewhere set VAE_COURSE_CHROMIUM to a Chromium
or Chrome binary) and Playwright (`pip install -e .[site]`, which `make test` does). Where no
browser can be installed, VAE_COURSE_SKIP_BROWSER=1 skips these tests; with CI=true they never
skip, they fail. Output: build/site-test/ (the site, and a screenshot of lesson 01).

The checker (:func:`check_site`) serves a folder on 127.0.0.1 (a random free port, a thread of this
process), opens every HTML page in Chromium through Playwright and returns a list of problems, each
naming the page and the failing element: HTTP status, browser console errors, images that did not
load, math left untypeset, links into the site that do not resolve. Requests to any other host are
refused, so a page that needs the internet fails here as it would offline.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ENV, SKIP_ENV = "VAE_COURSE_CHROMIUM", "VAE_COURSE_SKIP_BROWSER"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RAW_TEX = ("$$", "\\frac", "\\begin{", "\\(", "\\[", "\\mathcal", "\\sum")  # never in typeset text

# Visible text outside code, MathJax output and scripts; ids and link targets; broken images; math state.
_PAGE_FACTS = """async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, textarea').forEach(e => e.remove());
  const describe = e => e.outerHTML.slice(0, 160);
  return {
    text: clone.innerText,
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => [a.href, describe(a)]),
    brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(describe),
    mathNodes: document.querySelectorAll('.math').length,
    mathJax: !!(window.MathJax && MathJax.startup),
    typeset: document.querySelectorAll('mjx-container').length,
  };
}"""


def chromium_path() -> str:
    """The Chromium binary: $VAE_COURSE_CHROMIUM, else chromium/chromium-browser on the PATH."""
    for candidate in (os.environ.get(CHROMIUM_ENV), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return ""


@contextmanager
def serve(folder):
    """Serves ``folder`` on http://127.0.0.1:<free port>/ from a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=600")  # scripts and fonts load once for all pages
        super().end_headers()


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the browser closing a connection early (a page left while loading) is not a site problem


def _status(url) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def check_site(folder, *, screenshot_page=None, screenshot_to=None, math_pages=()) -> tuple:
    """Opens every ``*.html`` under ``folder``; returns (pages checked, list of problems).

    Args:
        folder: the built site.
        screenshot_page: a page path (e.g. ``lessons/01_binarization.html``) to photograph into ``screenshot_to``.
        math_pages: page paths that must hold typeset math (MathJax output elements).
    """
    from playwright.sync_api import sync_playwright

    folder = Path(folder)
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                   if not p.relative_to(folder).parts[0].startswith("_"))
    problems, ids, links = [], {}, []
    with serve(folder) as base, sync_playwright() as pw:
        host = urllib.parse.urlsplit(base).netloc
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", lambda route: route.continue_() if urllib.parse.urlsplit(route.request.url).netloc
                      == host else route.abort())
        page, errors = context.new_page(), []
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"uncaught script error: {exc}"))
        page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else  # left for the next page
                errors.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        for name in pages:
            errors.clear()
            response = page.goto(base + name, wait_until="load")
            if response is None or response.status != 200:
                problems.append(f"{name}: HTTP {response.status if response else 'no response'}")
                continue
            facts = page.evaluate(_PAGE_FACTS)  # waits for the images and for MathJax to finish
            if name == screenshot_page and screenshot_to:
                Path(screenshot_to).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot_to), full_page=False)
            page.goto("about:blank")  # the page's last events arrive before this; nothing of it after
            problems += [f"{name}: {e}" for e in errors]
            problems += [f"{name}: image did not load: {img}" for img in facts["brokenImages"]]
            raw = [t for t in RAW_TEX if t in facts["text"]]
            if raw:
                at = facts["text"].find(raw[0])
                problems.append(f"{name}: raw TeX {raw} in the visible text: ...{facts['text'][max(0, at - 60):at + 60]!r}...")
            if (facts["mathNodes"] or name in math_pages) and not facts["typeset"]:
                problems.append(f"{name}: math not typeset ({facts['mathNodes']} math elements, MathJax "
                                f"{'loaded' if facts['mathJax'] else 'missing'}, no mjx-container)")
            ids[name] = set(facts["ids"])
            links += [(name, href, element) for href, element in facts["links"]]
        browser.close()
        problems += _link_problems(base, links, ids)
    return pages, problems


def _link_problems(base, links, ids) -> list:
    """Links into the site: the target must answer 200 and, for a page of the site, hold the #fragment."""
    problems, status = [], {}
    for page, href, element in links:
        if not href.startswith(base):
            continue
        url, _, fragment = href.partition("#")
        target = urllib.parse.unquote(url[len(base):]) or "index.html"
        if target.endswith("/"):
            target += "index.html"
        if url not in status:
            status[url] = _status(url)
        if status[url] != 200:
            problems.append(f"{page}: link to {target} gives HTTP {status[url]}: {element}")
        elif fragment and target in ids and urllib.parse.unquote(fragment) not in ids[target]:
            anchor = urllib.parse.unquote(fragment)
            missing = f"the file {anchor} does not exist (MyST left the link as an anchor)" if re.search(
                r"/|\.(ipynb|md)$", anchor) else "no such anchor"
            problems.append(f"{page}: link to {target}#{fragment}: {missing}: {element}")
    return problems

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "site-test"


def _need_browser():
    in_ci = os.environ.get("CI", "").lower() == "true"
    if os.environ.get(SKIP_ENV) == "1":
        if in_ci:
            pytest.fail(f"CI=true: the browser test never skips; unset {SKIP_ENV}.")
        pytest.skip(f"{SKIP_ENV}=1: the website is not checked in a browser here.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright is missing: `pip install -e .[site]` (make test does it), "
                    f"or set {SKIP_ENV}=1 to skip the browser test.")
    if not chromium_path():
        pytest.fail(f"no Chromium found: install it (Debian/Ubuntu: `apt-get install chromium`), set {CHROMIUM_ENV} "
                    f"to a Chromium or Chrome binary, or set {SKIP_ENV}=1 to skip the browser test.")


@pytest.fixture(scope="module")
def built_site():
    _need_browser()
    from vae_course.tooling import site

    start = time.perf_counter()
    out = site.build(ROOT, OUT / "site")
    print(f"site built in {time.perf_counter() - start:.1f} s")
    return out


def test_every_page_of_the_site_works_in_chromium(built_site):
    lessons = sorted(p.stem for p in (built_site / "lessons").glob("*.html"))
    assert lessons, "the site has no lesson pages"
    math_pages = {f"lessons/{name}.html" for name in lessons}  # every lesson has equations
    screenshot = OUT / "lesson.png"
    screenshot.unlink(missing_ok=True)
    start = time.perf_counter()
    pages, problems = check_site(built_site, screenshot_page=f"lessons/{lessons[0]}.html",
                                 screenshot_to=screenshot, math_pages=math_pages)
    print(f"{len(pages)} pages checked in Chromium in {time.perf_counter() - start:.1f} s")
    assert not problems, f"{len(problems)} problem(s) in {len(pages)} pages:\n" + "\n".join(problems)
    assert {"index.html", *math_pages} <= set(pages)
    assert screenshot.stat().st_size > 10_000, "the screenshot of a lesson page is missing or blank"


def test_lesson_pages_link_to_colab_and_to_the_notebook(built_site):
    for html in sorted((built_site / "lessons").glob("*.html")):
        text = html.read_text(encoding="utf-8")
        colab = f"https://colab.research.google.com/github/vae-course/vae-course/blob/main/lessons/{html.stem}.ipynb"
        assert f'href="{colab}"' in text and ">Open in Colab<" in text, f"{html.name}: no Open in Colab link"
        downloads = re.findall(r'<a class="reference download internal" download="" href="([^"]+)">', text)
        assert downloads and downloads[0].endswith(f"/{html.stem}.ipynb"), f"{html.name}: no download link"
        served = (html.parent / downloads[0]).resolve()
        assert served.read_bytes() == (ROOT / "lessons" / f"{html.stem}.ipynb").read_bytes(), (
            f"{html.name}: the download is not the committed notebook")


def test_the_sidebar_lists_the_lessons_in_order(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    positions = [html.find(f'href="lessons/{name[:-6]}.html"') for name in lessons]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), (lessons, positions)


def test_the_checker_names_the_page_and_element_of_each_failure(tmp_path):
    """A broken page (missing image, raw TeX, a script error, a dead link, a CDN script) fails, by name."""
    _need_browser()
    (tmp_path / "index.html").write_text(
        '<html><body><p>fine</p><a href="broken.html">b</a></body></html>', encoding="utf-8")
    (tmp_path / "broken.html").write_text(
        '<html><head><script src="https://cdn.example.org/mathjax.js"></script></head><body>'
        '<p>$$\\frac{a}{b}$$</p><span class="math">x</span><img src="missing.png" alt="gone">'
        '<a id="dead" href="nowhere.html">dead</a><a href="index.html#nope">anchor</a>'
        '<script>undefinedFunction()</script></body></html>', encoding="utf-8")
    pages, problems = check_site(tmp_path)
    assert pages == ["broken.html", "index.html"]
    report = "\n".join(problems)
    for expected in ('broken.html: image did not load: <img src="missing.png"', "broken.html: raw TeX ['$$', '\\\\frac'",
                     "broken.html: math not typeset", "broken.html: uncaught script error",
                     "broken.html: request failed: https://cdn.example.org/mathjax.js",
                     'broken.html: link to nowhere.html gives HTTP 404: <a id="dead"',
                     "broken.html: link to index.html#nope: no such anchor"):
        assert expected in report, f"missing {expected!r} in:\n{report}"
    assert not [p for p in problems if p.startswith("index.html")], report


def test_the_skip_switch_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setenv(SKIP_ENV, "1")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        _need_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never skips"):
        _need_browser()
