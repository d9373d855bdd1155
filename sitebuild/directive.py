"""The one-line directive a page uses to include a snippet, and its parser.

    @snippet snippets/derivatives/x_squared.py
    @snippet snippets/plotting-with-detach/relu.py alt="ReLU and its derivative"
    @snippet snippets/plotting-with-detach/non_scalar_backward.py raises=RuntimeError

The path is relative to the project root (the folder of mkdocs.yml) and lies under snippets/, so it
reads exactly as the code block's title and can be found with grep. The line may be indented (inside an admonition or a collapsible
block); the rendered code, output and figures keep that indentation.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass

DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)@snippet(?:[ \t]+(?P<args>.*?))?[ \t]*$", re.MULTILINE)
OPTIONS = {"alt", "raises"}
EXAMPLES = {"alt": '"what the figure shows"', "raises": "RuntimeError"}


class DirectiveError(ValueError):
    """A directive that cannot be understood; the message says what is wrong."""


@dataclass(frozen=True)
class Directive:
    path: str  # relative to the project root, e.g. "snippets/derivatives/x_squared.py"
    lineno: int  # line of the page it stands on (1-based)
    indent: str
    alt: str | None = None
    raises: str | None = None  # the exception type name the snippet is expected to raise
    span: tuple[int, int] = (0, 0)  # character offsets of the whole line in the page source


def find_directives(markdown: str, line_offset: int = 0) -> list[Directive]:
    """Every @snippet line of a page, in order. Lines inside fenced code blocks are skipped.
    `line_offset`: lines of the page file before `markdown` (its front matter), so that line
    numbers are always those of the .md file."""
    return list(_directives(markdown, line_offset))


@functools.lru_cache(maxsize=4096)  # a page is read by two hooks, and again on every `mkdocs serve` rebuild
def _directives(markdown: str, line_offset: int) -> tuple[Directive, ...]:
    fenced = _fenced_ranges(markdown)
    found = []
    for match in DIRECTIVE.finditer(markdown):
        if any(start <= match.start() < end for start, end in fenced):
            continue
        lineno = markdown.count("\n", 0, match.start()) + 1 + line_offset
        found.append(_parse(match, lineno))
    return tuple(found)


def _parse(match: re.Match, lineno: int) -> Directive:
    args = match.group("args") or ""
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise DirectiveError(f"line {lineno}: cannot read '@snippet {args}': {exc}") from None
    if not words or "=" in words[0]:
        raise DirectiveError(f"line {lineno}: '@snippet' needs a path, e.g. '@snippet snippets/derivatives/x_squared.py'")
    options = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or key not in OPTIONS:
            raise DirectiveError(f"line {lineno}: unknown option '{word}' (known: {', '.join(sorted(OPTIONS))}=…)")
        if not value.strip():
            raise DirectiveError(f"line {lineno}: '{word}' needs a value, e.g. {key}={EXAMPLES[key]}")
        if key == "raises" and not value.isidentifier():
            raise DirectiveError(f"line {lineno}: '{word}': raises= takes an exception's name, e.g. raises=RuntimeError")
        options[key] = value
    return Directive(words[0], lineno, match.group("indent"), span=match.span(), **options)


_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.MULTILINE)


def _fenced_ranges(markdown: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks, so a directive shown as an example is left alone."""
    ranges, opening = [], None
    for match in _FENCE.finditer(markdown):
        fence = match.group(1)
        if opening is None:
            opening = (match.start(), fence)
        elif fence[0] == opening[1][0] and len(fence) >= len(opening[1]):
            ranges.append((opening[0], match.end()))
            opening = None
    if opening is not None:
        ranges.append((opening[0], len(markdown)))
    return ranges
