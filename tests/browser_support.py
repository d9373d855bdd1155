"""What the browser tests share: the static server, chromium, and one recorded visit of a page.

The site is served by tools/static_site.py's StaticSite (which scripts/lighthouse.py uses too), as GitHub Pages serves it: under the path of
site_url (/derivatives-in-pytorch/), with gzip, and 404.html for a missing page. A Visit opens one
page in a fresh browser context and records everything the page does while the tests use it:
every request, every response status, failed requests and console errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tools.static_site import StaticSite, site_path, site_url_of_config, sitemap_pages  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MISSING_CHROMIUM = f"{CHROMIUM} is missing: apt-get install chromium"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}


def chromium_missing() -> bool:
    return not os.access(CHROMIUM, os.X_OK)


def page_urls() -> list[str]:
    """Every page the sources make, as a path under the site ('' is the home page)."""
    docs = ROOT / "docs"
    urls = []
    for source in sorted(docs.rglob("*")):
        relative = source.relative_to(docs)
        if source.suffix not in (".md", ".ipynb") or relative.parts[0] == "overrides":
            continue
        stem = relative.with_suffix("").as_posix()
        urls.append("" if stem == "index" else stem.removesuffix("/index") + "/")
    return urls


def source_of(url: str) -> Path:
    """The docs/ file a page path comes from."""
    docs = ROOT / "docs"
    stem = url.rstrip("/") or "index"
    for candidate in (docs / f"{stem}.md", docs / stem / "index.md", docs / f"{stem}.ipynb"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no source for page {url!r}")


@dataclass
class Visit:
    """One page in its own browser context, with a record of what it asked for and logged."""

    page: object  # playwright Page
    url: str
    origin: str
    status: int
    requests: list[str] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        """Requests to any host but the local server (data: and blob: URLs have no host)."""
        return [url for url in self.requests if urlsplit(url).scheme not in ("data", "blob") and not _same_origin(url, self.origin)]


def _same_origin(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/")


def open_visit(browser, server: StaticSite, path: str, color_scheme: str = "light") -> Visit:
    """Open server.base_url + path in a fresh context and start recording before the first request."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.origin)
    # Nothing may leave the machine: a request to another host is recorded (below), then refused.
    context.route(lambda url: not _same_origin(url, server.origin), lambda route: route.abort())
    page = context.new_page()
    visit = Visit(page=page, url=server.base_url + path, origin=server.origin, status=0)
    context.on("request", lambda request: visit.requests.append(request.url))
    context.on("response", lambda response: visit.responses.append((response.status, response.url)))
    context.on("requestfailed", lambda request: visit.failed.append(f"{request.url}: {request.failure}"))
    context.on("console", lambda message: _console(visit, message))
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    response = page.goto(visit.url, wait_until="networkidle")
    visit.status = response.status
    return visit


def _console(visit: Visit, message) -> None:
    if message.type == "error":
        where = message.location.get("url", "") if message.location else ""
        visit.console_errors.append(f"{message.text} ({where})")


def close_visit(visit: Visit) -> None:
    visit.page.context.close()


# ---- palette -------------------------------------------------------------------------------------

SCHEMES = {"light": "default", "dark": "slate"}


def scheme_of(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def switch_palette(page, palette: str) -> None:
    """Click the header's palette toggle, as a reader does, until the page shows `palette`."""
    if scheme_of(page) == SCHEMES[palette]:
        return
    page.locator("form[data-md-component=palette] label:visible").click()
    page.wait_for_function("scheme => document.body.getAttribute('data-md-color-scheme') === scheme", arg=SCHEMES[palette])
    wait_for_images(page)


def wait_for_images(page) -> None:
    """Wait until every displayed image has loaded (or failed: naturalWidth is checked by the tests)."""
    page.wait_for_function(
        """() => [...document.images]
            .filter(img => img.checkVisibility())
            .every(img => img.complete)"""
    )


# ---- what the page shows -------------------------------------------------------------------------

FIGURES_JS = """() => [...document.querySelectorAll('figure.snippet-figure')].map(figure =>
    [...figure.querySelectorAll('img')].map(img => ({
        src: img.getAttribute('src'),
        shown: img.checkVisibility() && img.getBoundingClientRect().width > 0,
        naturalWidth: img.naturalWidth,
        alt: img.alt,
    })))"""

IMAGES_JS = """() => [...document.querySelectorAll('.md-content img')]
    .filter(img => img.checkVisibility())
    .map(img => ({src: img.getAttribute('src').slice(0, 80), naturalWidth: img.naturalWidth}))"""

# The visible text of the article, without code (where `$` and `\\(` are Python) and without math.
PROSE_JS = """() => {
    const skip = 'pre, code, math, script, style, .md-search, .md-nav';
    const walker = document.createTreeWalker(document.querySelector('.md-content'), NodeFilter.SHOW_TEXT);
    const parts = [];
    while (walker.nextNode()) {
        const parent = walker.currentNode.parentElement;
        if (!parent.closest(skip) && parent.checkVisibility()) parts.push(walker.currentNode.textContent);
    }
    return parts.join('');
}"""

MATH_JS = """() => [...document.querySelectorAll('.md-content math')].map(math => {
    const box = math.getBoundingClientRect();
    const fractions = [...math.querySelectorAll('mfrac')].map(frac => {
        const [top, bottom] = [frac.children[0].getBoundingClientRect(), frac.children[1].getBoundingClientRect()];
        return top.bottom <= bottom.top + 1;  // laid out as a fraction: numerator above denominator
    });
    return {
        width: box.width, height: box.height,
        display: getComputedStyle(math).display,
        errors: math.querySelectorAll('merror').length,
        fractions, text: math.textContent.slice(0, 60),
    };
})"""

# Each snippet code block (titled with its path), its copy button, and the output block under it.
SNIPPET_BLOCKS_JS = """() => [...document.querySelectorAll('.highlight')].flatMap((block, index) => {
    const title = block.querySelector(':scope > .filename');
    if (!title || !title.textContent.startsWith('snippets/')) return [];
    let next = block.nextElementSibling;
    while (next && !next.matches('.snippet-output, .highlight')) next = next.nextElementSibling;
    const output = next && next.matches('.snippet-output') ? next : null;
    let stdout = null, exception = null;
    if (output) {
        const copy = output.querySelector('pre > code').cloneNode(true);
        const raised = copy.querySelector('.snippet-exception');
        exception = raised ? raised.textContent : null;
        copy.querySelectorAll('.snippet-warning, .snippet-exception').forEach(span => span.remove());
        stdout = copy.textContent;
    }
    return [{index, path: title.textContent, stdout, exception, outputFor: output && output.dataset.snippet}];
})"""
