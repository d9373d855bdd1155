"""Markdown and HTML for one executed snippet: its code, its output and its figures; and whether
its result must fail the build (`problem`, the one place that decides).

The code goes into the page as a Markdown fence (so Material highlights it and gives it a copy
button); output and figures are HTML put in after Markdown has run, in place of a placeholder element
(`<div id="snippet-slot-N"></div>`, found by parsing the page, in whatever Markdown context it landed),
so that nothing a snippet prints is ever read as Markdown or HTML.
"""

from __future__ import annotations

import html
import re

from sitebuild import html_spans
from sitebuild.directive import Directive
from sitebuild.result import SnippetResult

FIGURES_DIR = "assets/figures"  # in the built site: every figure, the lessons' and the lab's


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


def figures_html(result: SnippetResult, alt: str, url_prefix: str) -> str:
    """Each figure twice, for Material's light and dark palettes (#only-light / #only-dark)."""
    blocks = []
    for number, figure in enumerate(result.figures, start=1):
        light, dark = figure.file_names()
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


def problem(result: SnippetResult, item: Directive, page: str) -> str | None:
    """Why this result must fail the build, naming the file, its line and the page; None if it is fine."""
    error, expected = result.error, item.raises
    # A runner failure (a crash, the timeout) names its line in its message, and never counts as expected.
    runner = error is not None and error.origin == "runner"
    where = f"{result.path}:{error.lineno}" if error and error.lineno and not runner else result.path
    used = f"(used by {page}, line {item.lineno})"
    if error is not None and (runner or error.type != expected):
        detail = error.traceback.rstrip() or error.last_line
        return f"{where}: {error.last_line} {used}\n{detail}"
    if error is None and expected:
        return f"{result.path}: expected to raise {expected}, but it finished without an exception {used}"
    if result.figures and not item.alt:
        return (
            f"{page}, line {item.lineno}: {result.path} draws a figure; "
            'give it alt text: @snippet … alt="what the figure shows"'
        )
    return None


def fill_slots(page_html: str, contents: dict[str, str]) -> str:
    """The page with each placeholder element `<div id="…"></div>` of `contents` replaced by its HTML;
    a placeholder alone in a paragraph (as Markdown leaves it inside an admonition) takes the paragraph."""
    found = html_spans.elements(page_html, lambda tag, attrs: tag == "div" and attrs.get("id") in contents)
    missing = set(contents) - {element.attrs["id"] for element in found}
    if missing:
        raise ValueError(f"placeholders lost on the way through Markdown: {', '.join(sorted(missing))}")
    edits = []
    for element in found:
        start, end = element.start, element.end
        before, after = page_html[:start].rstrip(), page_html[end:]
        if before.endswith("<p>") and after.lstrip().startswith("</p>"):
            start, end = len(before) - len("<p>"), len(page_html) - len(after.lstrip()) + len("</p>")
        edits.append((start, end, contents[element.attrs["id"]]))
    return html_spans.replace(page_html, edits)


PROBLEM_TITLE = "This snippet failed (mkdocs build would stop here)"


def problem_html(message: str) -> str:
    """The same box as problem_markdown, as HTML, for a result known only after Markdown has run."""
    return (
        f'<div class="admonition failure"><p class="admonition-title">{PROBLEM_TITLE}</p>'
        f'<pre><code>{html.escape(message)}</code></pre></div>'
    )


def problem_markdown(message: str, indent: str = "") -> str:
    """A visible error box for `mkdocs serve`, so the contributor sees what broke where they look."""
    lines = [f'!!! failure "{PROBLEM_TITLE}"', "", "    ```text"]
    lines += ["    " + line for line in message.splitlines()] + ["    ```"]
    return "\n".join(indent + line if line else line for line in lines)


_CODE_TITLE = re.compile(r'<span class="filename">(snippets/[\w./-]+\.py)</span>')


def link_code_titles(page_html: str, source_url: str) -> str:
    """Each snippet's code block title, its path, links to the file in the repository ("view source").

    The pattern is the exact title Material writes for the fences made by code_markdown above."""
    return _CODE_TITLE.sub(
        lambda m: f'<span class="filename"><a href="{source_url}{m.group(1)}">{m.group(1)}</a></span>', page_html
    )
