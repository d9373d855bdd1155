"""Markdown and HTML for one executed snippet: its code, its output and its figures.

The code goes into the page as a Markdown fence (so Material highlights it and gives it a copy
button); output and figures are HTML put in after Markdown has run, behind a placeholder, so that
nothing a snippet prints is ever read as Markdown or HTML.
"""

from __future__ import annotations

import hashlib
import html
import re

from sitebuild.runner import SnippetResult


def code_markdown(source: str, title: str, indent: str) -> str:
    """A fenced Python block titled with the file's path; its text is the file, byte for byte."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    body = source if source.endswith("\n") else source + "\n"
    lines = [f'{fence}python title="{title}"', *body.splitlines(), fence]
    return "\n".join(indent + line if line else line for line in lines)


def output_html(result: SnippetResult, expected: str | None) -> str:
    """The snippet's printed output, warnings in place, and the exception's last line if it raised."""
    parts = []
    for kind, text in result.events:
        escaped = html.escape(text)
        # stderr, warnings and the note on cut output are set apart, as a terminal's stderr would be
        parts.append(escaped if kind == "stdout" else f'<span class="snippet-warning">{escaped}</span>')
    if expected and result.error is not None:
        parts.append(f'<span class="snippet-exception">{html.escape(result.error.last_line)}</span>')
    if not parts:
        return ""
    label = "Output" if not expected else f"Output, ending in the expected {html.escape(expected)}"
    return (
        f'<div class="snippet-output" data-snippet="{html.escape(result.path)}">'
        f'<p class="snippet-output__label">{label}</p>'
        f'<pre tabindex="0"><code>{"".join(parts)}</code></pre></div>'
    )


def figure_file_names(svg_light: str, svg_dark: str) -> tuple[str, str]:
    """Names from the content, so an unchanged figure keeps its URL (and browsers their cache)."""
    digest = hashlib.sha256((svg_light + svg_dark).encode()).hexdigest()[:16]
    return f"{digest}-light.svg", f"{digest}-dark.svg"


def figures_html(result: SnippetResult, alt: str, url_prefix: str) -> str:
    """Each figure twice, for Material's light and dark palettes (#only-light / #only-dark)."""
    blocks = []
    for number, figure in enumerate(result.figures, start=1):
        light, dark = figure_file_names(figure.light, figure.dark)
        text = html.escape(alt if len(result.figures) == 1 else f"{alt} (figure {number} of {len(result.figures)})")
        size = f'width="{figure.width}" height="{figure.height}"'
        # Each image links to its own SVG: on a phone a reader opens the figure full size and zooms.
        blocks.append(
            '<figure class="snippet-figure">'
            f'<a href="{url_prefix}{light}"><img src="{url_prefix}{light}#only-light" alt="{text}" {size} decoding="async"></a>'
            f'<a href="{url_prefix}{dark}"><img src="{url_prefix}{dark}#only-dark" alt="{text}" {size} decoding="async"></a>'
            "</figure>"
        )
    return "".join(blocks)


def error_message(result: SnippetResult, page: str, directive_line: int, expected: str | None) -> str | None:
    """Why this result must fail the build, naming the file, its line and the page; None if it is fine."""
    error = result.error
    # A runner failure (a crash, the timeout) names its line in its message, and never counts as expected.
    runner = error is not None and error.origin == "runner"
    where = f"{result.path}:{error.lineno}" if error and error.lineno and not runner else result.path
    used = f"(used by {page}, line {directive_line})"
    if error is not None and (runner or error.type != expected):
        detail = result.error.traceback.rstrip() or result.error.last_line
        return f"{where}: {result.error.last_line} {used}\n{detail}"
    if result.error is None and expected:
        return f"{result.path}: expected to raise {expected}, but it finished without an exception {used}"
    return None


def problem_markdown(message: str, indent: str = "") -> str:
    """A visible error box for `mkdocs serve`, so the contributor sees what broke where they look."""
    lines = ['!!! failure "This snippet failed (mkdocs build would stop here)"', "", "    ```text"]
    lines += ["    " + line for line in message.splitlines()] + ["    ```"]
    return "\n".join(indent + line if line else line for line in lines)


_CODE_TITLE = re.compile(r'<span class="filename">(snippets/[\w./-]+\.py)</span>')


def link_code_titles(page_html: str, source_url: str) -> str:
    """Each snippet's code block title, its path, links to the file in the repository ("view source").

    The pattern is the exact title Material writes for the fences made by code_markdown above."""
    return _CODE_TITLE.sub(
        lambda m: f'<span class="filename"><a href="{source_url}{m.group(1)}">{m.group(1)}</a></span>', page_html
    )
