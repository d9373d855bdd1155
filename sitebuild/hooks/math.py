"""MkDocs hook: TeX becomes MathML at build time (sitebuild/mathml.py), so math needs no JavaScript
and no CDN. Listed after the snippets hook: their output is in the page when this runs."""

from __future__ import annotations

from sitebuild import mathml, report


def on_page_content(html, page, config, files):
    with report.current().timed("math"):
        return mathml.render_math(html)
