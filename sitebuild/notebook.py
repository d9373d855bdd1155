"""Glue for the lab notebook's page, which mkdocs-jupyter renders.

Fixes on its output: nbconvert's template loads MathJax from a CDN (nothing on this site may load
from another host), so that script is removed and the notebook's $…$ math becomes MathML like
every other page. A code cell tagged `solution` is folded into a closed <details> ("Solution"), so
it runs at build but stays hidden until the reader opens it (in Jupyter, the cell's standard
`"jupyter": {"source_hidden": true}` metadata collapses it). Each figure becomes a light and a dark
image (#only-light / #only-dark, as the lessons' figures), with the alt text of the cell's metadata
`"alt"`; the images are files beside the lessons' figures (the page would otherwise carry a quarter
of a megabyte of base64), each linked to itself so that a phone can open it full size. The notebook has its own execution switch (LAB_EXECUTE=false); SITE_EXECUTE=0 turns off the
snippets only.

The notebook is executed by the site's own runner (sitebuild/hooks/lab.py, sitebuild/notebook_child.py);
mkdocs-jupyter renders the executed copy with `execute: false`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from sitebuild import html_spans
from sitebuild.css_prune import prepare as prepare_styles
from sitebuild.css_prune import prune_page_styles
from sitebuild.mathml import render_dollar_math

SaveFigure = Callable[[bytes, str], str]  # a PNG and its variant ("light" or "dark") in, its URL out
_MATHJAX = re.compile(r"mathjax", re.IGNORECASE)
_MARKDOWN_CELL = {"jp-RenderedHTMLCommon", "jp-RenderedMarkdown"}  # the classes of a Markdown cell's rendering


def is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


SOLUTION_CLASS = "celltag_solution"  # nbconvert's class for a cell tagged "solution"

_alt_texts: dict[str, str] = {}  # notebook cell id -> the alt text of the figure it draws


def describe(page, stored: Path) -> None:
    """Give the notebook's page the description stored in its metadata (for search engines), and
    remember the alt text each cell's metadata gives its figure, for clean_page (from the notebook as
    stored: MkDocs may be reading a copy with its Markdown cells only)."""
    notebook = json.loads(stored.read_text(encoding="utf-8") or "{}")
    metadata = notebook.get("metadata", {})
    if metadata.get("description"):
        page.meta["description"] = metadata["description"]
    for cell in notebook.get("cells", []):
        if cell.get("id") and cell.get("metadata", {}).get("alt"):
            _alt_texts[cell["id"]] = cell["metadata"]["alt"]


def _unwanted(script: str) -> bool:
    # MathJax from a CDN, and the empty <script src=""> left where its URL would go.
    return bool(_MATHJAX.search(script)) or script.startswith('<script src="">')


def mark_heading_anchors(content_html: str) -> str:
    """mkdocs-jupyter's heading anchors are "¶" links that search would index as words. Material's own
    class for them is one search skips (and styles like every other page's); this must happen before
    the search plugin reads the page, i.e. on the page's content, not on the finished page."""
    return content_html.replace('<a class="anchor-link"', '<a class="headerlink"')


def prepare_cleaning(content_html: str) -> None:
    """The slow part of clean_page that does not depend on the outputs (parsing JupyterLab's stylesheet),
    done ahead, e.g. from the notebook's rendering without outputs while it runs."""
    prepare_styles(content_html)


def clean_page(
    page_html: str, save_figure: SaveFigure | None = None, dark_pngs: dict | None = None, css_memo=None
) -> str:
    page_html = fold_solutions_and_pair_figures(page_html, save_figure, dark_pngs)
    scripts = html_spans.elements(page_html, lambda tag, attrs: tag == "script")
    page_html = html_spans.replace(page_html, [
        (script.start, script.end, "") for script in scripts if _unwanted(page_html[script.start : script.end])
    ])
    page_html = prune_page_styles(page_html, memo=css_memo)  # JupyterLab's whole stylesheet is inlined: keep what can match
    cells = html_spans.elements(page_html, lambda tag, attrs: tag == "div" and _MARKDOWN_CELL <= html_spans.classes(attrs))
    return html_spans.replace(page_html, [
        (cell.inner_start, cell.inner_end, render_dollar_math(page_html[cell.inner_start : cell.inner_end])) for cell in cells
    ])


class _Layout(HTMLParser):
    """Where a notebook page's solution cells, their tag toolbars and its figures are (spans of the text)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self._line_starts = [0]
        for line in text.split("\n")[:-1]:
            self._line_starts.append(self._line_starts[-1] + len(line) + 1)
        self._open: list[tuple[int, set[str], str]] = []  # the open <div>s: start, classes, id
        self.solutions: list[tuple[int, int]] = []
        self.toolbars: list[tuple[int, int]] = []
        self.images: list[tuple[int, int, str, str]] = []  # start, end, src, cell id
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _inside(self, css_class: str) -> bool:
        return any(css_class in classes for _, classes, _ in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div":
            self._open.append((self._offset(), set((attrs.get("class") or "").split()), attrs.get("id") or ""))
        elif tag == "img" and self._inside("jp-RenderedImage"):
            start = self._offset()
            cell = next((name for _, _, name in reversed(self._open) if name.startswith("cell-id=")), "")
            end = start + len(self.get_starttag_text())
            self.images.append((start, end, attrs.get("src") or "", cell.removeprefix("cell-id=")))

    def handle_startendtag(self, tag, attrs):
        if tag != "div":  # a self-closed <div/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag != "div" or not self._open:
            return
        start, classes, _ = self._open.pop()
        end = self.text.index(">", self._offset()) + 1
        if SOLUTION_CLASS in classes and not self._inside(SOLUTION_CLASS):
            self.solutions.append((start, end))
        elif "celltoolbar" in classes and self._inside(SOLUTION_CLASS):
            self.toolbars.append((start, end))  # shows the tag's name, "solution": redundant in the fold


def fold_solutions_and_pair_figures(
    page_html: str, save_figure: SaveFigure | None = None, dark_pngs: dict | None = None
) -> str:
    """Fold every solution cell (code and output) into a closed <details>, and show every figure
    twice, light and dark, with its cell's alt text. A figure without alt text stops the build.
    `save_figure(png, "light" or "dark")` writes an image and returns its URL; without it, images stay inline (data:)."""
    from mkdocs.exceptions import PluginError

    layout = _Layout(page_html)
    edits = []  # (start, end, replacement); spans nest but never overlap partly
    for start, end in layout.solutions:
        edits.append((start, start, '<details class="success lab-solution"><summary>Solution</summary>'))
        edits.append((end, end, "</details>"))
    edits.extend((start, end, "") for start, end in layout.toolbars)
    for start, end, src, cell in layout.images:
        prefix = "data:image/png;base64,"
        if not src.startswith(prefix):
            raise PluginError(f"lab notebook, cell {cell}: only PNG figures are supported (plt.show() draws them)")
        if cell not in _alt_texts:
            raise PluginError(
                f'lab notebook, cell {cell or "without an id"} draws a figure; give it alt text in the '
                'cell\'s metadata: "alt": "what the figure shows"'
            )
        edits.append((start, end, _figure_html(base64.b64decode(src[len(prefix) :]), _alt_texts[cell], save_figure, dark_pngs)))
    # From the end backwards, so earlier offsets stay valid. Of two insertions at one offset, the one
    # made first ends up second: open a <details> before closing the one just ahead of it.
    def order(edit):
        return edit[0], edit[1], edit[2] != "</details>"

    for start, end, replacement in sorted(edits, key=order, reverse=True):
        page_html = page_html[:start] + replacement + page_html[end:]
    return page_html


def _figure_html(light_png: bytes, alt: str, save_figure: SaveFigure | None, dark_pngs: dict | None) -> str:
    """The light image and its dark variant, as the lessons show their figures (sitebuild/render.py).
    The dark variant comes from `dark_pngs` (sha256 of the light PNG -> dark PNG, made by the lab's
    child beside the figure, see notebook_child.py), or is made here."""
    from PIL import Image

    with Image.open(io.BytesIO(light_png)) as image:
        width, height = image.size
    dark = (dark_pngs or {}).get(hashlib.sha256(light_png).hexdigest())
    if dark is None:
        from sitebuild.figures import dark_png  # numpy and matplotlib: not imported unless needed

        dark = dark_png(light_png)
    images = []
    for png, variant in ((light_png, "only-light"), (dark, "only-dark")):
        url = save_figure(png, variant[len("only-"):]) if save_figure else f"data:image/png;base64,{base64.b64encode(png).decode()}"
        image = f'<img src="{url}#{variant}" alt="{html.escape(alt)}" width="{width}" height="{height}" decoding="async">'
        images.append(f'<a href="{url}">{image}</a>' if save_figure else image)
    return '<figure class="snippet-figure">' + "".join(images) + "</figure>"
