"""The course website and slides in a real browser: build them (`make site`'s and `make slides`' code),
serve them, check every page at 1280 px and 390 px and every slide at 1280×720.

Needs Playwright (`pip install -e '.[test]'`, which `make test` does) and Chromium or Chrome: found on the
PATH (chromium, chromium-browser, google-chrome, ...), in the usual macOS and Windows application
folders, as Playwright's own browser (`python -m playwright install chromium`), or named by
VAE_COURSE_CHROMIUM. The slides need npm once, to fetch reveal.js. Outside CI, without them, these tests
skip and say how to enable them (VAE_COURSE_SKIP_BROWSER=1 skips on purpose); with CI=true they never
skip, they fail. Output: build/site-test/ (the slides, and screenshots of lesson 01 at both widths).

The checker (:func:`check_site`) serves a folder on 127.0.0.1 (a random free port, a thread of this
process), opens every HTML page in Chromium through Playwright and returns a list of problems, each
naming the page and the failing element: HTTP status, browser console errors, images that did not
load or whose alt text is a file path, figures without a numbered caption, math left untypeset,
links into the site that do not resolve, a page wider than the window (at 1280 px and 390 px), a code
block that scrolls sideways at 1280 px although its lines fit in 88 characters, a display equation
wider than the text at 1280 px, and the sidebar and
next/previous links out of course order. Requests to any other host are refused, so a page that
needs the internet fails here as it would offline.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import threading
import time
import warnings
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
_PAGE_FACTS = r"""async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, textarea').forEach(e => e.remove());
  const describe = e => e.outerHTML.slice(0, 160);
  const article = document.querySelector('.bd-article') || document.body;
  const lines = pre => pre.innerText.split('\n');
  return {
    images: Array.from(article.querySelectorAll('img')).map(i => [i.getAttribute('alt') || '', describe(i),
      /^Figure \d+\./.test(((i.closest('figure') || document.createElement('p')).querySelector('figcaption')
                             || {innerText: ''}).innerText.trim())]),
    sidebar: Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference.internal')).map(a => a.href),
    prev: (document.querySelector('a.left-prev') || {href: null}).href,
    next: (document.querySelector('a.right-next') || {href: null}).href,
    width: document.documentElement.scrollWidth,
    scrolledCode: Array.from(article.querySelectorAll('div.highlight pre')).filter(p => p.scrollWidth > p.clientWidth + 1
      && Math.max(...lines(p).map(l => l.length)) <= 88).map(p => lines(p).find(l => l.trim()).slice(0, 60)),
    wideMath: Array.from(article.querySelectorAll('mjx-container[display="true"]')).filter(m => m.scrollWidth
      > m.clientWidth + 1).map(m => m.textContent.replace(/\s+/g, ' ').trim().slice(0, 60)),
    text: clone.innerText,
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => [a.href, describe(a)]),
    brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(describe),
    mathNodes: document.querySelectorAll('.math').length,
    mathJax: !!(window.MathJax && MathJax.startup),
    typeset: document.querySelectorAll('mjx-container').length,
  };
}"""


PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "chromium.exe",
              "chrome.exe")
MAC_APPS = ("Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium",
            "Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing")
WINDOWS_APPS = ("Google/Chrome/Application/chrome.exe", "Chromium/Application/chrome.exe")


def browser_candidates() -> list:
    """Where Chromium or Chrome usually is, in order: $VAE_COURSE_CHROMIUM, the PATH, the macOS and Windows
    application folders, then Playwright's own Chromium (``python -m playwright install chromium``)."""
    found = [os.environ.get(CHROMIUM_ENV)] + [shutil.which(n) for n in PATH_NAMES]
    found += [str(Path(base).expanduser() / app) for base in ("/Applications", "~/Applications") for app in MAC_APPS]
    for var in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        if os.environ.get(var):
            found += [str(Path(os.environ[var]) / app) for app in WINDOWS_APPS]
    found.append(_playwright_chromium())
    return [c for c in found if c]


def _playwright_chromium() -> str:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            return pw.chromium.executable_path
    except Exception:  # noqa: BLE001 (Playwright missing, or its driver cannot start: no browser of its own)
        return ""


def chromium_path() -> str:
    """The first Chromium or Chrome binary of :func:`browser_candidates` that exists, else ``""``."""
    if os.environ.get(CHROMIUM_ENV):  # named on purpose: that one or none
        return os.environ[CHROMIUM_ENV] if Path(os.environ[CHROMIUM_ENV]).is_file() else ""
    return next((c for c in browser_candidates() if Path(c).is_file()), "")


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


WIDTHS = (1280, 390)  # a laptop and a phone: no page may be wider than the window at either
_WIDTH = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(document.documentElement.scrollWidth))))"
_PATH_ALT = re.compile(r"(^|/)[\w.-]+\.(png|svg|gif|jpe?g)$|^[./\w-]*/[./\w-]*$", re.I)


def check_site(folder, *, screenshot_page=None, screenshot_dir=None, math_pages=(), order=None) -> tuple:
    """Opens every ``*.html`` under ``folder`` at each of :data:`WIDTHS`; returns (pages checked, problems).

    Args:
        folder: the built site.
        screenshot_page: a page path (e.g. ``lessons/01_binarization.html``) photographed at each width
            into ``screenshot_dir/lesson-<width>.png``.
        math_pages: page paths that must hold typeset math (MathJax output elements).
        order: page paths in reading order (the home page first): the sidebar lists them in this order and
            each page's previous/next links go to its neighbours.
    """
    from playwright.sync_api import sync_playwright

    folder = Path(folder)
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                   if not p.relative_to(folder).parts[0].startswith("_"))
    problems, ids, links, nav = [], {}, [], {}
    with serve(folder) as base, sync_playwright() as pw:
        host = urllib.parse.urlsplit(base).netloc
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
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
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(base + name, wait_until="load")
            if response is None or response.status != 200:
                problems.append(f"{name}: HTTP {response.status if response else 'no response'}")
                continue
            facts = page.evaluate(_PAGE_FACTS)  # waits for the images and for MathJax to finish
            for width in WIDTHS:  # the same page, the window narrowed: CSS and MathJax's layout follow
                if width != WIDTHS[0]:
                    page.set_viewport_size({"width": width, "height": 900})
                wide = page.evaluate(_WIDTH)
                if wide > width:
                    problems.append(f"{name}: {wide} px wide in a {width} px window: the page scrolls sideways")
                if name == screenshot_page and screenshot_dir:
                    Path(screenshot_dir).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(screenshot_dir) / f"lesson-{width}.png"), full_page=False)
            page.goto("about:blank")  # the page's last events arrive before this; nothing of it after
            problems += _page_problems(name, facts, errors, math_pages)
            ids[name] = set(facts["ids"])
            links += [(name, href, element) for href, element in facts["links"]]
            nav[name] = facts
        browser.close()
        problems += _link_problems(base, links, ids)
        if order:
            problems += _order_problems(base, order, nav)
    return pages, problems


def _page_problems(name, facts, errors, math_pages) -> list:
    problems = [f"{name}: {e}" for e in errors]
    problems += [f"{name}: image did not load: {img}" for img in facts["brokenImages"]]
    for alt, element, captioned in facts["images"]:
        if not alt.strip() or _PATH_ALT.search(alt.strip()):
            problems.append(f"{name}: alt text {alt!r} is empty or a file path: {element}")
        if name.startswith("lessons/") and not captioned:
            problems.append(f"{name}: figure without a numbered caption (Figure N.): {element}")
    problems += [f"{name}: code block scrolls sideways at 1280 px though its lines fit 88 characters: {c!r}"
                 for c in facts["scrolledCode"]]
    problems += [f"{name}: display equation wider than the text at 1280 px (it scrolls sideways; split it over "
                 f"lines): {m!r}" for m in facts["wideMath"]]
    raw = [t for t in RAW_TEX if t in facts["text"]]
    if raw:
        at = facts["text"].find(raw[0])
        problems.append(f"{name}: raw TeX {raw} in the visible text: ...{facts['text'][max(0, at - 60):at + 60]!r}...")
    if (facts["mathNodes"] or name in math_pages) and not facts["typeset"]:
        problems.append(f"{name}: math not typeset ({facts['mathNodes']} math elements, MathJax "
                        f"{'loaded' if facts['mathJax'] else 'missing'}, no mjx-container)")
    return problems


def _order_problems(base, order, nav) -> list:
    """The sidebar (of the home page) and each page's previous/next links follow ``order``."""
    urls = [base + name for name in order]
    sidebar = [u for u in nav.get(order[0], {}).get("sidebar", []) if u.split("#")[0] in urls[1:]]
    problems = []
    if [u.split("#")[0] for u in sidebar] != urls[1:]:
        problems.append(f"sidebar out of course order: {[u[len(base):] for u in sidebar]} instead of {order[1:]}")
    for k, name in enumerate(order):
        want = (urls[k - 1] if k else None, urls[k + 1] if k + 1 < len(urls) else None)
        got = (nav.get(name, {}).get("prev"), nav.get(name, {}).get("next"))
        if got != want:
            problems.append(f"{name}: previous/next go to {[g and g[len(base):] for g in got]}, course order says "
                            f"{[w and w[len(base):] for w in want]}")
    return problems


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


def _unavailable(reason: str):
    """Outside CI: skip, saying why and how to enable the test (also as a warning, shown in the summary).
    With CI=true: fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: the browser test never skips; {reason}")
    warnings.warn(f"browser test skipped: {reason}", UserWarning, stacklevel=3)
    pytest.skip(reason)


def _need_browser():
    if os.environ.get(SKIP_ENV) == "1":
        _unavailable(f"{SKIP_ENV}=1 is set (unset it to check the website in a browser).")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright is missing: `pip install -e '.[test]'` (make test does it).")
    if not chromium_path():
        _unavailable(f"no Chromium or Chrome found (looked on the PATH for {', '.join(PATH_NAMES[:4])}, in the usual "
                     f"macOS and Windows application folders and for Playwright's own). Install one: "
                     f"`{sys.executable} -m playwright install chromium`, or `sudo apt-get install chromium`, or set "
                     f"{CHROMIUM_ENV}=/path/to/chrome.")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    _need_browser()
    from vae_course.tooling import site

    start = time.perf_counter()
    out = site.build(ROOT, tmp_path_factory.mktemp("site-test") / "site")
    print(f"site built in {time.perf_counter() - start:.1f} s")
    return out


def test_every_page_of_the_site_works_in_chromium_at_both_widths_in_course_order(built_site):
    lessons = sorted(p.stem for p in (built_site / "lessons").glob("*.html"))
    assert lessons, "the site has no lesson pages"
    math_pages = {f"lessons/{name}.html" for name in lessons}  # every lesson has equations
    exercises = {p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb")}
    order = ["index.html"]  # the course order, written out: lesson NN, then its exercise if there is one
    for name in lessons:
        order += [f"lessons/{name}.html"] + ([f"exercises/{name}.html"] if name in exercises else [])
    assert len(order) == 1 + len(lessons) + len(exercises), "an exercise without its lesson"
    for old in OUT.glob("lesson-*.png"):
        old.unlink()
    start = time.perf_counter()
    pages, problems = check_site(built_site, screenshot_page=f"lessons/{lessons[0]}.html", screenshot_dir=OUT,
                                 math_pages=math_pages, order=order)
    print(f"{len(pages)} pages checked in Chromium at {WIDTHS} px in {time.perf_counter() - start:.1f} s")
    assert not problems, f"{len(problems)} problem(s) in {len(pages)} pages:\n" + "\n".join(problems)
    assert {"index.html", *math_pages} <= set(pages)
    for width in WIDTHS:
        assert (OUT / f"lesson-{width}.png").stat().st_size > 10_000, f"the {width} px screenshot is missing or blank"


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


def test_the_site_has_one_viewport_tag_and_a_real_page_title(built_site):
    for html in [built_site / "index.html", *sorted((built_site / "lessons").glob("*.html"))]:
        text = html.read_text(encoding="utf-8")
        assert text.count('name="viewport"') == 1, html.name
        title = re.search(r"<title>(.*?)</title>", text).group(1)
        head, _, site_name = title.rpartition(" &#8212; ")
        assert head and head != site_name, f"{html.name}: page title {title!r}"


def test_the_checker_names_the_page_and_element_of_each_failure(tmp_path):
    """A broken page (missing image, raw TeX, a script error, a dead link, a CDN script) fails, by name."""
    _need_browser()
    (tmp_path / "index.html").write_text(
        '<html><body><p>fine</p><a href="broken.html">b</a></body></html>', encoding="utf-8")
    (tmp_path / "broken.html").write_text(
        '<html><head><script src="https://cdn.example.org/mathjax.js"></script></head><body>'
        '<p>$$\\frac{a}{b}$$</p><span class="math">x</span><img src="missing.png" alt="gone">'
        '<img src="index.html" alt="../_images/c7c18c3a.png"><p style="width: 460px">wide</p>'
        '<a id="dead" href="nowhere.html">dead</a><a href="index.html#nope">anchor</a>'
        '<script>undefinedFunction()</script></body></html>', encoding="utf-8")
    (tmp_path / "wide.html").write_text(  # MathJax's output element, as wide as a long display equation
        '<html><body><mjx-container display="true" style="display: block; max-width: 300px; overflow-x: auto">'
        '<span style="display: inline-block; width: 900px">a long equation</span></mjx-container></body></html>',
        encoding="utf-8")
    pages, problems = check_site(tmp_path, order=["index.html", "broken.html"])
    assert pages == ["broken.html", "index.html", "wide.html"]
    report = "\n".join(problems)
    for expected in ('broken.html: image did not load: <img src="missing.png"', "broken.html: raw TeX ['$$', '\\\\frac'",
                     "broken.html: math not typeset", "broken.html: uncaught script error",
                     "broken.html: request failed: https://cdn.example.org/mathjax.js",
                     'broken.html: link to nowhere.html gives HTTP 404: <a id="dead"',
                     "broken.html: link to index.html#nope: no such anchor",
                     "broken.html: alt text '../_images/c7c18c3a.png' is empty or a file path",
                     "px wide in a 390 px window: the page scrolls sideways", "sidebar out of course order",
                     "wide.html: display equation wider than the text at 1280 px (it scrolls sideways; split it "
                     "over lines): 'a long equation'",
                     "index.html: previous/next go to [None, None], course order says [None, 'broken.html']"):
        assert expected in report, f"missing {expected!r} in:\n{report}"
    assert not [p for p in problems if p.startswith("index.html") and "previous/next" not in p], report
    assert not [p for p in problems if "1280 px window" in p or ("390 px window" in p and "broken" not in p)], report


def test_the_skip_switch_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setenv(SKIP_ENV, "1")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception), pytest.warns(UserWarning, match="unset it"):
        _need_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never skips"):
        _need_browser()


def test_without_a_browser_it_skips_saying_how_to_install_one_and_fails_in_ci(monkeypatch, tmp_path):
    """A fresh machine: nothing on the PATH, no application folder, no Playwright browser."""
    monkeypatch.delenv(SKIP_ENV, raising=False)
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    for var in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys.modules[__name__], "_playwright_chromium", lambda: "")
    monkeypatch.setattr(sys.modules[__name__], "MAC_APPS", ())
    with pytest.raises(pytest.skip.Exception, match="playwright install chromium"):
        _need_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never skips.*no Chromium or Chrome found"):
        _need_browser()


def test_chrome_is_found_where_each_system_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(sys.modules[__name__], "_playwright_chromium", lambda: "")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData"))
    chrome = tmp_path / "AppData" / "Google" / "Chrome" / "Application" / "chrome.exe"
    assert str(chrome) in browser_candidates()
    chrome.parent.mkdir(parents=True)
    chrome.write_text("")
    assert chromium_path() == str(chrome)
    (tmp_path / "bin").mkdir()
    linux = tmp_path / "bin" / "google-chrome"
    linux.write_text("")
    linux.chmod(0o755)
    assert chromium_path() == str(linux)  # the PATH before the application folders
    assert any(c.endswith("Google Chrome.app/Contents/MacOS/Google Chrome") for c in browser_candidates())
    monkeypatch.setattr(sys.modules[__name__], "_playwright_chromium", lambda: str(tmp_path / "pw" / "chrome"))
    assert browser_candidates()[-1] == str(tmp_path / "pw" / "chrome")


# Every slide of a deck, shown in turn: the frame, code and figure boxes must hold their content.
_SLIDE_FACTS = r"""async () => {
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});  // measure each slide at rest, at once
  const out = [], all = Reveal.getSlides(), limit = {w: Reveal.getConfig().width, h: Reveal.getConfig().height};
  for (let i = 0; i < all.length; i++) {
    Reveal.slide(i);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const s = all[i], frame = s.querySelector('.frame') || s, visual = s.querySelector('.visual');
    const pre = s.querySelector('.visual pre'), code = s.querySelector('.visual pre code');
    const shown = frame.cloneNode(true);
    shown.querySelectorAll('pre, script, .MathJax_Preview, .MathJax, .MathJax_CHTML').forEach(e => e.remove());
    out.push({title: (s.querySelector('h1, h2') || {innerText: '(no heading)'}).innerText.trim(),
      heading: !!s.querySelector('h1, h2'), tall: frame.scrollHeight > frame.clientHeight + 1 || s.offsetHeight > limit.h,
      wide: s.scrollWidth > limit.w + 1, codeCut: !!pre && (pre.scrollHeight > pre.clientHeight + 1
        || code.scrollWidth > code.clientWidth + 1), visual: visual ? visual.clientHeight : null,
      words: shown.innerText.split(/\s+/).filter(Boolean).length + s.querySelectorAll('.frame .MathJax, .frame .MathJax_CHTML').length,
      notes: (s.querySelector('aside.notes') || {innerText: ''}).innerText.trim().length});
  }
  return out;
}"""
SLIDE_WORDS = 45  # "about 40" words on a slide, a formula counted as one


def check_decks(folder) -> tuple:
    """Opens every ``*.slides.html`` in ``folder`` at 1280×720; returns ({deck: [words per slide]}, problems)."""
    from playwright.sync_api import sync_playwright

    words, problems = {}, []
    with serve(folder) as base, sync_playwright() as pw:
        host = urllib.parse.urlsplit(base).netloc
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.route("**/*", lambda route: route.continue_() if urllib.parse.urlsplit(route.request.url).netloc
                      == host else route.abort())
        page, errors = context.new_page(), []
        page.on("pageerror", lambda exc: errors.append(f"uncaught script error: {exc}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 and not r.url.endswith("favicon.ico") else None)
        for deck in sorted(Path(folder).glob("*.slides.html")):
            errors.clear()
            page.goto(base + deck.name, wait_until="load")
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20_000)
            facts = page.evaluate(_SLIDE_FACTS)
            words[deck.name] = [f["words"] for f in facts]
            problems += [f"{deck.name}: {e}" for e in errors]
            for k, f in enumerate(facts, start=1):
                at = f"{deck.name}, slide {k} ({f['title']!r})"
                problems += [f"{at}: {what}" for what, bad in [
                    ("no heading", not f["heading"]), ("taller than 720 px: it overflows", f["tall"]),
                    ("wider than 1280 px", f["wide"]), ("its code does not fit its box", f["codeCut"]),
                    (f"{f['words']} words, more than {SLIDE_WORDS}", f["words"] > SLIDE_WORDS),
                    ("its figure or code has under 150 px of height left", f["visual"] is not None and f["visual"] < 150),
                    ("no speaker notes", not f["notes"])] if bad]
        browser.close()
    return words, problems


@pytest.fixture(scope="module")
def built_slides():
    _need_browser()
    from vae_course.tooling import slides

    target = OUT / "slides"
    vendored = all((target / slides.MODULES / name / "package.json").is_file() for name in slides.VENDOR)
    if not vendored and shutil.which("npm") is None:
        _unavailable("npm is needed once to fetch reveal.js for the slide decks (install Node.js).")
    slides.build(ROOT, target)
    return target


def test_every_slide_of_every_deck_fits_1280_by_720(built_slides):
    start = time.perf_counter()
    words, problems = check_decks(built_slides)
    flat = sorted(w for deck in words.values() for w in deck)
    print(f"{len(words)} decks, {len(flat)} slides checked in {time.perf_counter() - start:.1f} s; words per slide: "
          f"median {flat[len(flat) // 2]}, max {flat[-1]}")
    assert len(words) == len(list((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")))
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_deck_checker_names_the_slide_that_overflows(tmp_path):
    """A deck with a slide too tall, one too wordy and one without heading or notes fails, by slide."""
    _need_browser()
    vendor = OUT / "slides" / "_vendor"
    if not vendor.is_dir():
        pytest.skip("needs the reveal.js copy that test_every_slide_of_every_deck_fits_1280_by_720 fetches")
    (tmp_path / "_vendor").symlink_to(vendor)
    tall = "<ul>" + "<li>line</li>" * 80 + "</ul>"
    (tmp_path / "bad.slides.html").write_text(
        '<html><head><link rel="stylesheet" href="_vendor/node_modules/reveal.js/dist/reveal.css"></head><body>'
        '<div class="reveal"><div class="slides">'
        f'<section><div class="frame" style="height: 680px"><h2>Tall</h2>{tall}</div><aside class="notes">n</aside>'
        '</section><section><div class="frame"><h2>Wordy</h2><p>' + "word " * 60 + '</p></div>'
        '<aside class="notes">n</aside></section><section><div class="frame"><p>no heading</p></div></section>'
        '</div></div><script src="_vendor/node_modules/reveal.js/dist/reveal.js"></script>'
        '<script>Reveal.initialize({width: 1280, height: 720, center: false});</script></body></html>',
        encoding="utf-8")
    _, problems = check_decks(tmp_path)
    report = "\n".join(problems)
    for expected in ("bad.slides.html, slide 1 ('Tall'): taller than 720 px",
                     "bad.slides.html, slide 2 ('Wordy'): 60 words, more than 45",
                     "bad.slides.html, slide 3 ('(no heading)'): no heading",
                     "bad.slides.html, slide 3 ('(no heading)'): no speaker notes"):
        assert expected in report, f"missing {expected!r} in:\n{report}"
