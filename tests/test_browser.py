"""The reader's view, in Debian's chromium (playwright): every page as a reader uses it.

Each page is opened once, in its own browser context, and the checks below run on it in order.
The request and console checks come last, so they cover everything the earlier checks made the
page do (the dark figures, the search index, the clipboard). Screenshots of every page in both
palettes go to test-results/screenshots/. Without chromium the module is skipped with one line that
says how to install it; under CI (CI=true) that is an error instead, since CI installs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser_support import (
    FIGURES_JS,
    IMAGES_JS,
    LAYOUT_JS,
    MATH_JS,
    MISSING_CHROMIUM,
    PROSE_JS,
    ROOT,
    SCHEMES,
    SCREENSHOTS,
    SNIPPET_BLOCKS_JS,
    VIEWPORTS,
    StaticSite,
    chromium_missing,
    close_visit,
    open_visit,
    page_urls,
    scheme_of,
    site_path,
    site_url_of_config,
    source_of,
    switch_palette,
    wait_for_images,
)
from sitebuild.directive import find_directives
from sitebuild.runner import normalize_output

if chromium_missing():  # one skip for the whole module, with the one line that says what to do
    if os.environ.get("CI"):
        pytest.fail(MISSING_CHROMIUM + " (CI installs it: the browser tests must run there)", pytrace=False)
    pytest.skip(MISSING_CHROMIUM, allow_module_level=True)

PAGES = page_urls()
SITE_URL = site_url_of_config()
pytestmark = pytest.mark.browser


def _page_id(url: str) -> str:
    return url.strip("/") or "home"


def _open_collapsed_blocks_around(element) -> None:
    """Open the collapsible blocks (`???` details) an element is in, as a reader does to see it."""
    for _ in range(10):
        closed = element.locator("xpath=ancestor::details[not(@open)]")
        if closed.count() == 0:
            return
        closed.first.locator("xpath=./summary").click()
    raise AssertionError("collapsible blocks that do not open")


def _directives(url: str):
    """The @snippet lines of a page's Markdown source (a notebook has none)."""
    source = source_of(url)
    return find_directives(source.read_text(encoding="utf-8")) if source.suffix == ".md" else []


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(built_site):
    with StaticSite(built_site, site_path(SITE_URL)) as running:
        yield running


@pytest.fixture(scope="module", params=PAGES, ids=_page_id)
def visit(request, browser, server):
    opened = open_visit(browser, server, request.param)
    opened.path = request.param
    yield opened
    close_visit(opened)


# ---- every page, in the browser ------------------------------------------------------------------


def test_page_loads(visit):
    assert visit.status == 200
    assert visit.page.title().endswith("Derivatives in PyTorch")
    assert visit.page.locator("article h1").count() == 1
    # The lab's download button (docs/overrides/main.html) fetches the notebook; every download
    # link of a page (the lessons' too) answers 200.
    downloads = visit.page.eval_on_selector_all("a[download]", "links => links.map(a => a.href)")
    if source_of(visit.path).suffix == ".ipynb":
        assert [href for href in downloads if href.endswith(".ipynb")] == [visit.url + source_of(visit.path).name]
    for href in downloads:
        assert visit.page.evaluate("url => fetch(url).then(r => r.status)", href) == 200


def test_math_is_rendered_and_no_tex_is_left(visit):
    source = source_of(visit.path).read_text(encoding="utf-8")
    maths = visit.page.evaluate(MATH_JS)
    if "$" in source:
        assert maths, "the page's source has math, but the page shows no <math>"
    for math in maths:
        assert math["width"] > 0 and math["height"] > 0, f"math not laid out: {math['text']!r}"
        assert math["errors"] == 0, f"MathML error in {math['text']!r}"
        assert math["display"] in ("math", "inline math", "block math"), f"not rendered as MathML: {math}"
        assert all(math["fractions"]), f"a fraction is not stacked: {math['text']!r}"
    prose = visit.page.evaluate(PROSE_JS)
    leftovers = re.findall(r"\$[^$\n]{1,80}\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|partial|cdot|sum)\b", prose)
    assert leftovers == [], "raw TeX in the visible text"


def test_figures_load_in_both_palettes(visit):
    """Light shows each figure's light variant; the toggle switches to the dark one, and back.
    The screenshots of both palettes are taken here."""
    page = visit.page
    expected = sum(1 for item in _directives(visit.path) if item.alt)  # alt= is required exactly when a snippet draws
    assert scheme_of(page) == "default"
    # Figures in collapsible blocks (the lab's solutions) count too: open them, as a reader does.
    page.evaluate("document.querySelectorAll('details:not([open])').forEach(details => { details.open = true; })")
    wait_for_images(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for step, (palette, shown) in enumerate((("light", "only-light"), ("dark", "only-dark"), ("light", "only-light"))):
        switch_palette(page, palette)
        figures = page.evaluate(FIGURES_JS)
        assert len(figures) >= expected
        for pair in figures:
            assert sorted(img["src"].rsplit("#", 1)[-1] for img in pair) == ["only-dark", "only-light"]
            visible = [img for img in pair if img["shown"]]
            assert [img["src"].rsplit("#", 1)[-1] for img in visible] == [shown], f"{palette} palette shows {visible}"
            assert visible[0]["naturalWidth"] > 0, f"{palette}: figure did not load: {visible[0]['src']}"
            assert visible[0]["alt"], "a figure without alt text"
        broken = [img for img in page.evaluate(IMAGES_JS) if img["naturalWidth"] == 0]
        assert broken == [], f"{palette}: images that did not load"
        if step < 2:
            page.screenshot(path=SCREENSHOTS / f"{_page_id(visit.path)}-{palette}.png", full_page=True)
    assert scheme_of(page) == "default"


def _serious_violations_in_both_palettes(page) -> dict[str, list[str]]:
    """axe-core's serious and critical violations, light then dark; the page is left in light."""
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), {}
    for palette in ("light", "dark"):
        switch_palette(page, palette)
        results = axe.run(page).response
        assert results["passes"], "axe ran no check"
        found[palette] = [
            f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:5]}"
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
    switch_palette(page, "light")
    return found


def test_no_serious_accessibility_violation_in_either_palette(visit):
    assert _serious_violations_in_both_palettes(visit.page) == {"light": [], "dark": []}


def test_copy_buttons_copy_the_snippet_which_prints_what_the_page_shows(visit, tmp_path):
    """Every snippet block: its copy button puts exactly the file's text on the clipboard, and that
    text, run by a fresh python in an empty folder, prints the output shown under it."""
    page = visit.page
    blocks = page.evaluate(SNIPPET_BLOCKS_JS)
    assert [block["path"] for block in blocks] == [item.path for item in _directives(visit.path)]
    copied = []
    for block in blocks:
        page.evaluate("navigator.clipboard.writeText('(the copy button did not write)')")
        code_block = page.locator(".highlight").nth(block["index"])
        _open_collapsed_blocks_around(code_block)
        code_block.locator("button.md-code__button[data-md-type=copy]").click()
        text = page.evaluate("navigator.clipboard.readText()")
        assert text == (ROOT / block["path"]).read_text(encoding="utf-8"), f"copied text differs from {block['path']}"
        assert block["outputFor"] in (None, block["path"]), f"output under {block['path']} is another snippet's"
        copied.append((block, text))

    def run(item):
        block, text = item
        folder = tmp_path / str(block["index"])
        folder.mkdir()
        script = folder / Path(block["path"]).name
        script.write_text(text, encoding="utf-8")
        env = dict(os.environ, MPLBACKEND="Agg")  # plt.show() returns at once instead of opening a window
        return subprocess.run([sys.executable, script.name], cwd=folder, env=env, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for (block, _), done in zip(copied, pool.map(run, copied)):
            assert normalize_output(done.stdout) == (block["stdout"] or ""), f"{block['path']}: printed output differs from the page"
            if done.returncode == 0:
                assert block["exception"] is None, f"{block['path']}: the page shows an exception it did not raise"
            else:
                assert block["exception"] is not None, f"{block['path']} failed:\n{done.stderr}"
                assert done.stderr.strip().splitlines()[-1] == block["exception"]


def _search(page, query: str) -> list[tuple[str, str]]:
    """Type a query into the header's search, as a reader does; return the results' (href, text)."""
    field = page.locator("input.md-search__input")
    if not field.is_visible():  # narrow screens: the header's search button opens the search first
        page.locator("label.md-header__button[for=__search]").click()
    # Material's search worker builds its index in the background; a query typed before it is ready
    # can go unanswered, and the results of the query's first letters show while it is typed, so the
    # query is typed again (up to three times) until a result shows the query itself.
    for attempt in range(3):
        field.click()
        field.fill("")
        field.press_sequentially(query)
        try:
            page.wait_for_function(
                """query => [...document.querySelectorAll('a.md-search-result__link')]
                    .some(a => a.innerText.includes(query))""",
                arg=query,
                timeout=15_000,
            )
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    # All at once: Material renders more results as the list scrolls, and "grad" is on every page.
    found = [tuple(item) for item in page.eval_on_selector_all("a.md-search-result__link", "links => links.map(a => [a.getAttribute('href'), a.innerText])")]
    page.keyboard.press("Escape")
    return found


def test_search_finds_retain_grad(visit):
    found = _search(visit.page, "retain_grad")
    lesson = visit.origin + site_path(SITE_URL) + "leaves-and-grad-fn/"
    assert any(href.startswith(lesson) and "retain_grad" in text for href, text in found), found


def _pages_that_use(text: str) -> set[str]:
    """The pages whose source, or a snippet they show, contains `text`."""
    using = set()
    for url in PAGES:
        source = source_of(url)
        shown = [source.read_text(encoding="utf-8")] + [(ROOT / item.path).read_text(encoding="utf-8") for item in _directives(url)]
        if any(text in part for part in shown):
            using.add(url)
    return using


CODE_QUERIES = ["save_for_backward", "ones_like", "retain_grad", "x.grad", "torch.no_grad"]


@pytest.fixture(scope="module")
def home_for_search(browser, server):
    opened = open_visit(browser, server, "")
    yield opened
    close_visit(opened)


@pytest.mark.parametrize("query", CODE_QUERIES)
def test_search_finds_code(home_for_search, query):
    """Code names are split into words for the index (mkdocs.yml's search separator: on "." and "_"
    too), so a query like save_for_backward or x.grad finds a page that uses it, shown in the result."""
    using = _pages_that_use(query)
    assert using, f"no page uses {query!r}: pick another query"
    found = _search(home_for_search.page, query)
    prefix = home_for_search.origin + site_path(SITE_URL)
    hits = {href.removeprefix(prefix).split("#")[0].split("?")[0] for href, text in found if query in text}
    assert hits & using, f"{query!r}: results {found[:5]} name none of {sorted(using)}"
    assert home_for_search.foreign() == [] and home_for_search.console_errors == []


def test_every_request_was_local_and_answered_200(visit):
    """Runs after the other checks of the page, so it covers what they made the page load too."""
    assert visit.url in visit.requests
    assert visit.foreign() == []
    assert [(status, url) for status, url in visit.responses if status != 200] == []
    assert visit.failed == []
    loaded = " ".join(visit.requests)
    assert "search_index.json" in loaded and ".css" in loaded and ".js" in loaded


def test_no_console_errors(visit):
    assert visit.console_errors == []


# ---- every page at phone and desktop size, in both palettes ------------------------------------


@pytest.mark.parametrize("palette", ["light", "dark"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_layout_fits_the_screen(browser, server, path, size, palette):
    """At 390x844 (a phone) and 1280x900: the page does not scroll sideways, no comment in a code
    block is cut off, no copy button covers text, and wide display math scrolls in its own box with
    a visible cue (browser_support.LAYOUT_JS). Phone screenshots go to test-results/screenshots/."""
    # "load": the stylesheets and images are in; the search index and the like need not be, here.
    visit = open_visit(browser, server, path, color_scheme=palette, viewport=VIEWPORTS[size], wait_until="load")
    try:
        page = visit.page
        assert visit.status == 200
        assert scheme_of(page) == SCHEMES[palette]
        if size == "phone":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{_page_id(path)}-phone-{palette}.png", full_page=True)
        assert page.evaluate(LAYOUT_JS) == []
        assert visit.foreign() == [] and visit.failed == [] and visit.console_errors == []
    finally:
        close_visit(visit)


def test_page_actions_edit_and_view_the_source_on_github(visit):
    """Material's page actions: edit opens GitHub's editor on the page's source, view shows the file."""
    source = source_of(visit.path).relative_to(ROOT).as_posix()
    repository = re.search(r"^repo_url: (\S+)$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.MULTILINE)[1]
    actions = visit.page.eval_on_selector_all("article a.md-content__button", "links => links.map(a => a.href)")
    assert actions == [f"{repository}/edit/main/{source}", f"{repository}/raw/main/{source}"]


# ---- the 404 page --------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["no-such-page/", "a/deeply/nested/missing/page/", "derivatives/typo.html"])
def test_missing_pages_get_a_working_404_page(browser, server, missing):
    """GitHub Pages answers a missing URL with 404.html; its links are absolute (from site_url),
    so it must look and work the same at any depth."""
    visit = open_visit(browser, server, missing)
    try:
        page = visit.page
        assert visit.status == 404
        assert page.locator("article h1").inner_text().startswith("404")
        # Styled: Material's stylesheet and ours loaded (the header has the site's primary colour).
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor") == "rgb(191, 54, 12)"
        assert [(status, url) for status, url in visit.responses if status != 200] == [(404, visit.url)]
        assert visit.foreign() == [] and visit.failed == []
        # Chromium logs the document's own 404; nothing else may fail.
        assert [error for error in visit.console_errors if f"({visit.url})" not in error] == []
        home = page.locator("a.md-header__button.md-logo")
        assert page.evaluate("a => a.href", home.element_handle()) == server.base_url
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert icon == server.base_url + "assets/favicon.svg"
        fetched = page.evaluate("url => fetch(url).then(r => [r.status, r.headers.get('content-type')])", icon)
        assert fetched == [200, "image/svg+xml; charset=utf-8"]
        assert _serious_violations_in_both_palettes(page) == {"light": [], "dark": []}
        home.click()
        page.wait_for_url(server.base_url)
        assert page.title() == "Derivatives in PyTorch"
    finally:
        close_visit(visit)
