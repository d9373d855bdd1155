"""TeX to MathML at build time, so math needs no JavaScript and no CDN.

pymdownx.arithmatex (generic mode) leaves `<span class="arithmatex">\\(…\\)</span>` and
`<div class="arithmatex">\\[…\\]</div>` in the HTML; this swaps them for native MathML, which every
current browser renders and screen readers read.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

from sitebuild import html_spans

_DELIMITERS = {"span": ("\\(", "\\)", "inline"), "div": ("\\[", "\\]", "block")}


def _to_mathml(tex: str, display: str) -> str:
    return convert(html.unescape(tex).strip(), display=display)


# Display math gets tabindex="0": on a narrow screen a long formula scrolls sideways, and a scrolling
# region must be reachable from the keyboard.


def render_math(page_html: str) -> str:
    """Every arithmatex element of the page (found by parsing it) as MathML."""
    if "arithmatex" not in page_html:  # no math (the lab's page, rendered by nbconvert): nothing to parse
        return page_html
    edits = []
    for element in html_spans.elements(page_html, _is_arithmatex):
        opening, closing, display = _DELIMITERS[element.tag]
        tex = page_html[element.inner_start : element.inner_end].strip()
        if not (tex.startswith(opening) and tex.endswith(closing)):
            continue
        mathml = _to_mathml(tex[len(opening) : -len(closing)], display)
        if display == "block":
            mathml = f'<div class="math-display" tabindex="0">{mathml}</div>'
        edits.append((element.start, element.end, mathml))
    return html_spans.replace(page_html, edits)


def _is_arithmatex(tag: str, attrs: dict) -> bool:
    return tag in _DELIMITERS and attrs.get("class") == "arithmatex"


# Notebook Markdown cells keep their $…$ as text; this converts it in the rendered notebook.
_NB_BLOCK = re.compile(r"\$\$(?P<tex>.+?)\$\$", re.DOTALL)
_NB_INLINE = re.compile(r"(?<![\\$])\$(?P<tex>[^$\n]+?)\$(?!\$)")


def render_dollar_math(fragment: str) -> str:
    """Convert $$…$$ and $…$ in an HTML fragment of prose (never run it over code)."""
    fragment = _NB_BLOCK.sub(lambda m: f'<div class="math-display" tabindex="0">{_to_mathml(m["tex"], "block")}</div>', fragment)
    return _NB_INLINE.sub(lambda m: _to_mathml(m["tex"], "inline"), fragment)
