"""MkDocs hook: TeX becomes MathML at build time (sitebuild/mathml.py), so math needs no JavaScript
and no CDN. Snippet output is put into the page later (at on_page_context), so nothing a snippet
prints is ever read as TeX."""

from __future__ import annotations

from sitebuild import mathml, report


def on_page_content(html, page, config, files):
    with report.current().timed("math"):
        return mathml.render_math(html)
