"""A lesson to take home: its page as a Jupyter notebook and its snippets as one Python script.

Knows nothing of MkDocs. From a page's Markdown source and the snippet files it names:

- `lesson_notebook(...)`: the prose as Markdown cells and each `@snippet` as a code cell holding the
  file's exact text, in page order. A snippet the page marks `raises=X` gets the cell tag
  `raises-exception`, which nbclient, JupyterLab and Notebook honour: Run All goes on past it.
- `lesson_script(...)`: every snippet in page order, each under a `# %%` cell marker and a printed
  `==> snippets/...` header line; one that raises on purpose runs inside try/except, which prints
  the error's last line to stderr and goes on.

The prose is made to read well in Jupyter: front matter dropped, admonitions (`!!! note "Title"`,
`??? success "Solution"`) become a bold title and their body, heading attributes (`{#id}`) are
dropped, links to other pages and same-page anchors become absolute site URLs, and the widget boxes
(empty `<div data-title=...>` elements filled by JavaScript) become a link to the page.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import posixpath
import re
import tokenize
from dataclasses import dataclass
from typing import Callable

import nbformat

from sitebuild.directive import Directive, find_directives

RAISES_TAG = "raises-exception"
SCRIPT_HEADER = "==> "  # the script prints this and the snippet's path before each snippet's output


@dataclass(frozen=True)
class Lesson:
    """What the notebook and the script say about where they come from."""

    title: str  # the page's title, e.g. "Derivatives"
    page_url: str  # absolute URL of the lesson page, e.g. https://…/derivatives/
    requirements_url: str  # absolute URL of the reader requirements file
    python: str  # the Python version the site was built with
    torch: str  # the torch version the site was built with


# ---- the page's prose ------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ADMONITION = re.compile(
    r'^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?)[ \t]+(?P<kinds>[\w-]+(?:[ \t]+[\w-]+)*)(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$'
)
_HEADING_ATTRS = re.compile(r"^(?P<heading>[ \t]*#{1,6}[ \t].*?)[ \t]*\{[^{}]*\}[ \t]*$")
_LINK_ATTRS = re.compile(r"(?<=\))\{[ \t]*[#.][^{}]*\}")  # [text](url){ .class }
_WIDGET = re.compile(r'^(?P<indent>[ \t]*)<div\b[^>]*\bdata-title="(?P<title>[^"]*)"[^>]*>\s*</div>[ \t]*$')
_LINK = re.compile(r"(?P<open>\]\()(?P<target>[^)\s]+)(?P<rest>(?:[ \t]+\"[^\"]*\")?\))")
_INLINE_CODE = re.compile(r"(`+).*?(?<!`)\1(?!`)", re.DOTALL)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def strip_front_matter(markdown: str) -> str:
    return _FRONT_MATTER.sub("", markdown, count=1)


def _fence_state(line: str, fence: str | None) -> tuple[bool, str | None]:
    """(is this line part of a fenced block, the fence still open after it)."""
    match = _FENCE.match(line)
    if fence is None:
        return (True, match.group(1)) if match else (False, None)
    if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
        return True, None
    return True, fence


def convert_admonitions(lines: list[str]) -> list[str]:
    """`!!! kind "Title"` and `??? kind "Title"` blocks become a bold title line and their body,
    dedented one level (nested ones too). Fenced code blocks are left alone."""
    out: list[str] = []
    fence = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fenced, fence = _fence_state(line, fence)
        match = None if fenced else _ADMONITION.match(line)
        if match is None:
            out.append(line)
            i += 1
            continue
        indent = match.group("indent")
        inner = indent + "    "
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith(inner)):
            end += 1
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1
        body = [indent + line[len(inner) :] if line.strip() else "" for line in lines[i + 1 : end]]
        title = match.group("title")
        if title is None:
            title = match.group("kinds").split()[0].capitalize()
        if title:
            out.append(f"{indent}**{title}**")
            if body and body[0].strip():
                out.append("")
        out.extend(convert_admonitions(body))
        i = end
    return out


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the text outside inline code spans."""
    pieces, position = [], 0
    for match in _INLINE_CODE.finditer(text):
        pieces += [change(text[position : match.start()]), match.group(0)]
        position = match.end()
    pieces.append(change(text[position:]))
    return "".join(pieces)


def absolute_links(line: str, page_src: str, page_url: str, resolve: Callable[[str], str | None]) -> str:
    """Relative links become absolute site URLs: `other.md#x` -> https://…/other/#x, `#x` -> page_url#x.

    `resolve` maps a path relative to docs/ (e.g. "other.md") to its absolute URL, or None if the
    site has no such file (the link is then left as it was)."""

    def replace(match: re.Match) -> str:
        target = match.group("target")
        if _EXTERNAL.match(target) or target.startswith("/"):
            return match.group(0)
        path, hash_, anchor = target.partition("#")
        if not path:
            url = page_url
        else:
            url = resolve(posixpath.normpath(posixpath.join(posixpath.dirname(page_src), path)))
            if url is None:
                return match.group(0)
        return match.group("open") + url + hash_ + anchor + match.group("rest")

    return _outside_code(line, lambda text: _LINK.sub(replace, text))


def prose_for_jupyter(lines: list[str], page_src: str, page_url: str, resolve) -> list[str]:
    """Heading attributes dropped, links made absolute, widget boxes turned into a link to the page."""
    out, fence = [], None
    for line in lines:
        fenced, fence = _fence_state(line, fence)
        if fenced:
            out.append(line)
            continue
        widget = _WIDGET.match(line)
        if widget:
            out.append(f"{widget.group('indent')}*Interactive on the site: [{widget.group('title')}]({page_url})*")
            continue
        line = _HEADING_ATTRS.sub(r"\g<heading>", line)
        line = _LINK_ATTRS.sub("", line)
        out.append(absolute_links(line, page_src, page_url, resolve))
    return out


# ---- the notebook --------------------------------------------------------------------------------


def page_pieces(markdown: str) -> list[str | Directive]:
    """The page (front matter dropped, admonitions converted) cut at its @snippet lines, in order:
    Markdown text and Directives."""
    text = "\n".join(convert_admonitions(strip_front_matter(markdown).split("\n")))
    pieces: list[str | Directive] = []
    position = 0
    for item in find_directives(text):
        pieces.append(text[position : item.span[0]])
        pieces.append(item)
        position = item.span[1]
    pieces.append(text[position:])
    return pieces


def _about(lesson: Lesson, raising: bool) -> str:
    about = (
        f"*This notebook is the lesson [{lesson.title}]({lesson.page_url}), built with Python "
        f"{lesson.python} and torch {lesson.torch}. Install what it needs with "
        f"`pip install -r {lesson.requirements_url}`.*"
    )
    if raising:
        about += (
            f"\n\n*Cells that raise an error on purpose carry the tag `{RAISES_TAG}`, "
            "so Run All goes on past them.*"
        )
    return about


def title_end(text: str) -> int:
    """Offset just after the page's `# Title` line (0 if it has none)."""
    fence = None
    offset = 0
    for line in text.split("\n"):
        fenced, fence = _fence_state(line, fence)
        offset += len(line) + 1
        if not fenced and re.match(r"#[ \t]", line):
            return min(offset, len(text))
    return 0


def lesson_notebook(
    markdown: str,
    page_src: str,
    lesson: Lesson,
    read_snippet: Callable[[str], str],
    resolve: Callable[[str], str | None],
) -> nbformat.NotebookNode:
    """The page as a notebook. `read_snippet(path)` returns the text of a directive's file (its path
    as written on the page); `resolve` is as for `absolute_links`."""
    pieces = page_pieces(markdown)
    raising = any(isinstance(piece, Directive) and piece.raises for piece in pieces)
    cells = []
    for piece in pieces:
        if isinstance(piece, Directive):
            cell = nbformat.v4.new_code_cell(read_snippet(piece.path))
            cell.metadata["snippet"] = piece.path
            if piece.raises:
                cell.metadata["tags"] = [RAISES_TAG]
            cells.append(cell)
            continue
        prose = "\n".join(prose_for_jupyter(piece.split("\n"), page_src, lesson.page_url, resolve))
        if not cells:  # the first cell: say where this comes from, just under the title
            end = title_end(prose)
            prose = prose[:end] + "\n" + _about(lesson, raising) + "\n\n" + prose[end:].lstrip("\n")
        prose = _dedent_common(prose).strip("\n")
        if prose.strip():
            cells.append(nbformat.v4.new_markdown_cell(prose))
    for number, cell in enumerate(cells):  # stable ids: the same page gives the same file, byte for byte
        cell["id"] = f"{number:03d}-{cell.cell_type}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook


def _dedent_common(text: str) -> str:
    """Remove the indentation all non-blank lines share (prose between snippets of an indented block)."""
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


# ---- the script ----------------------------------------------------------------------------------


def _has_multiline_string(code: str) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any(token.type == tokenize.STRING and token.start[0] != token.end[0] for token in tokens)


def _guarded(code: str, raises: str) -> list[str]:
    """A snippet meant to raise `raises`, inside try/except that prints the error's last line."""
    if _has_multiline_string(code):  # indenting would change the string: run the text as it is
        body = [f"    exec({code!r})"]
    else:
        body = ["    " + line if line.strip() else "" for line in code.rstrip("\n").split("\n")]
    if hasattr(builtins, raises):
        handler = [f"except {raises} as error:"]
    else:
        handler = ["except Exception as error:", f'    if type(error).__name__ != "{raises}":', "        raise"]
    return [
        "try:",
        *body,
        *handler,
        "    last = traceback.format_exception_only(type(error), error)[-1]",
        '    print(last, end="", file=sys.stderr)',
    ]


def lesson_script(
    markdown: str, file_name: str, lesson: Lesson, read_snippet: Callable[[str], str]
) -> str:
    """Every snippet of the page, in order, as one script that runs to the end."""
    snippets = [piece for piece in page_pieces(markdown) if isinstance(piece, Directive)]
    lines = [
        f"# {lesson.title}: every example of the lesson, in page order, as one script.",
        f"# The lesson: {lesson.page_url}",
        f"# Built with Python {lesson.python} and torch {lesson.torch}. Install what it needs with",
        f"#     pip install -r {lesson.requirements_url}",
        f"# then run it with: python {file_name}",
        f'# Each example prints a line "{SCRIPT_HEADER}snippets/..." before its output.',
    ]
    if any(item.raises for item in snippets):
        lines += [
            "# An example that raises an error on purpose runs inside try/except, which",
            "# prints the error's last line (to stderr, as Python would) and goes on.",
        ]
    lines += ["import sys", "import traceback"]
    for item in snippets:
        code = read_snippet(item.path)
        marker = f"# %% {item.path}" + (f" (raises {item.raises} on purpose)" if item.raises else "")
        lines += ["", "", marker, f"print({SCRIPT_HEADER + item.path!r})"]
        lines += _guarded(code, item.raises) if item.raises else code.rstrip("\n").split("\n")
    return "\n".join(lines) + "\n"


# ---- both, remembered across `mkdocs serve` rebuilds ---------------------------------------------

_made: dict[str, tuple[str, str, bool]] = {}  # key -> (notebook text, script, has a raising cell)


def lesson_downloads(
    markdown: str,
    page_src: str,
    file_name: str,
    lesson: Lesson,
    read_snippet: Callable[[str], str],
    resolve: Callable[[str], str | None],
    links: str,
) -> tuple[str, str, bool]:
    """The lesson's notebook (as text), its script, and whether a cell raises on purpose. Made once
    per content: under `mkdocs serve` (one process, a build per save) an unchanged lesson is not made
    again. `links` stands for what `resolve` can find (the site's pages), which its links depend on."""
    texts = [read_snippet(piece.path) for piece in page_pieces(markdown) if isinstance(piece, Directive)]
    digest = hashlib.sha256()
    for part in (markdown, page_src, file_name, repr(lesson), links, *texts):
        digest.update(part.encode() + b"\0")
    key = digest.hexdigest()
    if key not in _made:
        if len(_made) > 1000:  # a long serve session: forget the old versions
            _made.clear()
        notebook = lesson_notebook(markdown, page_src, lesson, read_snippet, resolve)
        raising = any(cell.metadata.get("tags") for cell in notebook.cells)
        _made[key] = (notebook_text(notebook), lesson_script(markdown, file_name, lesson, read_snippet), raising)
    return _made[key]

