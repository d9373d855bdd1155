"""Glue for the lab notebook, which mkdocs-jupyter renders and executes.

Two fixes on its output: nbconvert's template loads MathJax from a CDN (nothing on this site may load
from another host), so that script is removed and the notebook's $…$ math becomes MathML like
every other page. The notebook has its own execution switch in mkdocs.yml (LAB_EXECUTE=false);
the hook's SITE_EXECUTE=0 turns off the snippets only.
"""

from __future__ import annotations

import json
import re

from sitebuild.mathml import render_dollar_math

PLUGIN = "mkdocs-jupyter"

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
_MATHJAX = re.compile(r"mathjax", re.IGNORECASE)
_MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.DOTALL
)


def is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def describe(page) -> None:
    """Give the notebook's page the description stored in its metadata (for search engines)."""
    metadata = json.loads(page.markdown or "{}").get("metadata", {})
    if metadata.get("description"):
        page.meta["description"] = metadata["description"]


def _unwanted(script: str) -> bool:
    # MathJax from a CDN, and the empty <script src=""> left where its URL would go.
    return bool(_MATHJAX.search(script)) or script.startswith('<script src="">')


def clean_page(page_html: str) -> str:
    page_html = _SCRIPT.sub(lambda m: "" if _unwanted(m.group(0)) else m.group(0), page_html)
    return _MARKDOWN_CELL.sub(lambda m: m.group(1) + render_dollar_math(m.group(2)) + m.group(3), page_html)
