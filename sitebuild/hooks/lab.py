"""MkDocs hook: the lab notebook, which mkdocs-jupyter renders (sitebuild/notebook.py does the work).

It starts rendering in the background at on_pre_build, beside the snippets; its page waits for it,
gets the description of the notebook's metadata, and its HTML is cleaned (no CDN MathJax, math as
MathML, solutions folded, figures as light/dark pairs with alt text).
"""

from __future__ import annotations

from sitebuild import notebook, report


def on_pre_build(config):
    with report.current().timed("lab (start)"):
        notebook.start_early(config)


def on_page_markdown(markdown, page, config, files):
    if notebook.is_notebook(page):
        notebook.describe(page)
        with report.current().timed("lab (waiting for its execution)"):
            notebook.wait(page)
    return markdown


def on_post_page(output, page, config):
    if notebook.is_notebook(page):
        with report.current().timed("lab (cleaning its page)"):
            output = notebook.clean_page(output)
    return output
