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
PHONE = {"width": 390, "height": 844}  # a phone in portrait, in CSS pixels
VIEWPORTS = {"phone": PHONE, "desktop": VIEWPORT}


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


def open_visit(
    browser, server: StaticSite, path: str, color_scheme: str = "light", viewport: dict | None = None, wait_until: str = "networkidle"
) -> Visit:
    """Open server.base_url + path in a fresh context and start recording before the first request."""
    context = browser.new_context(viewport=viewport or VIEWPORT, color_scheme=color_scheme, locale="en-US")
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
    response = page.goto(visit.url, wait_until=wait_until)
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


# ---- layout: what fits the screen (checked at phone and desktop size) ---------------------------

# Problems of the page's layout at the current viewport, each a short description (empty: none).
# Every collapsible block is opened first, so that code and math inside them are measured too.
#  - the page scrolls sideways, or an element sticks out past the screen's edge outside any box
#    that scrolls or clips (Material hides the page's horizontal overflow, which would hide it too);
#  - a code block wider than its box hides part of a comment (the code scrolls: the rest is fine);
#  - a copy button (Material's, or mkdocs-jupyter's in the lab) covers text of its block: the code's
#    lines (Range.getClientRects over its text nodes, where they are visible in the code's box), the
#    block's title or its "Output" label;
#  - display math wider than its box that does not scroll in it, is not focusable (keyboard users
#    scroll it) or has no background cue at the edge where more is hidden.
LAYOUT_JS = r"""() => {
    document.querySelectorAll('details:not([open])').forEach(details => { details.open = true; });
    const width = document.documentElement.clientWidth;
    const problems = [];
    const where = el => {
        const block = el.closest('.highlight, .snippet-output, .math-display, figure, table, p, li, h1, h2, h3') || el;
        const title = block.querySelector && block.querySelector(':scope > .filename');
        return (title ? title.textContent : block.textContent).trim().replace(/\s+/g, ' ').slice(0, 60);
    };
    const scrollWidth = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
    if (scrollWidth > width) problems.push(`the page is ${scrollWidth} px wide, the screen ${width} px`);

    // Elements past the screen's edges, not inside a box that scrolls or clips them.
    const outside = [];
    const visit = el => {
        if (!el.checkVisibility()) return;
        const box = el.getBoundingClientRect();
        if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5)) outside.push(el);
        if (getComputedStyle(el).overflowX !== 'visible') return;  // its content scrolls or is clipped
        for (const child of el.children) visit(child);
    };
    document.querySelectorAll('.md-header, .md-content, .md-footer').forEach(visit);
    for (const el of outside.slice(0, 5))
        problems.push(`<${el.tagName.toLowerCase()} class="${el.className}"> sticks out of the screen: ${where(el)}`);

    const textRects = (root, skip) => {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        const rects = [];
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (!node.textContent.trim() || (skip && skip.contains(node))) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            rects.push(...[...range.getClientRects()].filter(rect => rect.width > 0 && rect.height > 0));
        }
        return rects;
    };
    const visibleBox = el => {
        const box = el.getBoundingClientRect();
        const left = box.left + el.clientLeft, top = box.top + el.clientTop;
        return {left, top, right: left + el.clientWidth, bottom: top + el.clientHeight};
    };
    const intersect = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

    for (const code of document.querySelectorAll('.md-content pre > code')) {
        if (!code.checkVisibility()) continue;
        const shown = visibleBox(code);
        if (code.scrollWidth > code.clientWidth) {
            for (const comment of code.querySelectorAll('.c, .c1, .ch, .cm, .cs, .sd')) {
                const cut = textRects(comment).some(rect => rect.right > shown.right + 0.5);
                if (cut) problems.push(`a comment is cut off in ${where(code)}: ${comment.textContent.trim().slice(0, 50)}`);
            }
        }
    }

    // Material's copy buttons, and mkdocs-jupyter's on the lab's cells.
    for (const button of document.querySelectorAll('.md-content .md-code__button, .md-content .zeroclipboard-container clipboard-copy')) {
        if (!button.checkVisibility()) continue;
        const box = button.getBoundingClientRect();
        const code = button.matches('clipboard-copy')
            ? button.closest('.CodeMirror').querySelector('pre')
            : document.querySelector(button.dataset.clipboardTarget) || button.closest('pre').querySelector('code');
        const block = code.closest('.snippet-output') || code.closest('.highlight') || code.parentElement;
        const shown = visibleBox(code);
        const lines = textRects(code).filter(rect => intersect(rect, shown));
        const labels = [...block.querySelectorAll('.filename, .snippet-output__label')].flatMap(label => textRects(label));
        if ([...lines, ...labels].some(rect => intersect(rect, box)))
            problems.push(`the copy button covers text in ${where(code)}`);
    }

    for (const math of document.querySelectorAll('.md-content .math-display')) {
        if (!math.checkVisibility() || math.scrollWidth <= math.clientWidth) continue;
        const style = getComputedStyle(math);
        if (!['auto', 'scroll'].includes(style.overflowX)) problems.push(`wide math is cut off: ${where(math)}`);
        if (math.tabIndex < 0) problems.push(`wide math cannot be scrolled with the keyboard: ${where(math)}`);
        if (!style.backgroundImage.includes('gradient') || !style.backgroundAttachment.includes('local'))
            problems.push(`wide math shows no sign that there is more: ${where(math)}`);
    }
    return problems;
}"""
