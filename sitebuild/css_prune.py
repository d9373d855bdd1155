"""Drop the CSS rules a page can never use.

mkdocs-jupyter inlines all of JupyterLab's stylesheet (about 570 KB) into the notebook's page, most
of it for JupyterLab's own UI. A rule whose selector names a class that appears nowhere in the page
cannot match (the notebook page is static: no script adds jp-* classes later), so it is removed.
Rules without classes, @font-face, @keyframes and the like are kept as they are.
"""

from __future__ import annotations

import functools
import hashlib
from html.parser import HTMLParser
from pathlib import Path

import tinycss2

from sitebuild import atomic, html_spans

class _Classes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "class" and value:
                self.found.update(value.split())


def classes_in(page_html: str) -> set[str]:
    """Every class the page's elements have (parsed: text that only looks like an attribute is not one)."""
    parser = _Classes()
    parser.feed(page_html)
    parser.close()
    return parser.found


def prune(css: str, used: set[str]) -> str:
    """The stylesheet without the rules whose selectors all need a class that is not in `used`
    (parsed by tinycss2, so strings, escapes and comments are read as a browser reads them)."""
    return _emit(_parsed(css), used)


def prepare(page_html: str, min_size: int = 50_000) -> None:
    """Parse the page's large stylesheets now (most of a second), so that pruning them later, for
    whatever classes the page has by then, is quick: for a caller that would otherwise wait idle."""
    for _, css in _large_styles(page_html, min_size):
        _parsed(css)


@functools.lru_cache(maxsize=2)
def _parsed(css: str) -> tuple:
    """The stylesheet as tinycss2 reads it, each rule serialized once: ("text", css) kept whole,
    ("group", "@media …", rules) pruned inside, ("rule", ((classes a selector needs, selector), …), body).
    Kept for the last two stylesheets (the @media groups inside are parsed by _parse, not kept apart)."""
    return _parse(css)


def _parse(css: str) -> tuple:
    items = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule":
            prelude = f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude).rstrip()}"
            if rule.content is None:
                items.append(("text", prelude + ";"))  # @import, @charset …
            elif rule.lower_at_keyword in ("media", "supports", "layer"):
                items.append(("group", prelude, _parse(tinycss2.serialize(rule.content))))
            else:
                items.append(("text", f"{prelude}{{{tinycss2.serialize(rule.content)}}}"))  # @font-face, @keyframes, @page: whole
        elif rule.type == "qualified-rule":
            selectors = tuple(
                (frozenset(_required_classes(selector)), tinycss2.serialize(selector).strip())
                for selector in _split_selectors(rule.prelude)
            )
            items.append(("rule", selectors, tinycss2.serialize(rule.content)))
        # a parse error (a rule a browser drops too) is dropped
    return tuple(items)


def _emit(items: tuple, used: set[str]) -> str:
    out = []
    for item in items:
        if item[0] == "text":
            out.append(item[1])
        elif item[0] == "group":
            inner = _emit(item[2], used)
            if inner:
                out.append(f"{item[1]}{{{inner}}}")
        else:
            kept = ",".join(text for needed, text in item[1] if needed <= used)
            if kept:
                out.append(f"{kept}{{{item[2]}}}")
    return "".join(out)


def _required_classes(selector: list) -> set[str]:
    """Classes an element must have for the selector to match: `.name` at the top level. Classes
    inside :not(), :is() and the like (function tokens) are left out: `:not(.x)` matches without .x,
    `:is(.x, .y)` with either."""
    found = set()
    for previous, token in zip([None, *selector], selector):
        if token.type == "ident" and previous is not None and previous.type == "literal" and previous.value == ".":
            found.add(token.value)
    return found


def _split_selectors(prelude: list) -> list[list]:
    """A selector list's selectors, split at its top-level commas (those inside :is(...) and the like
    belong to a function token)."""
    parts: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if any(token.type not in ("whitespace", "comment") for token in part)]


def prune_page_styles(page_html: str, min_size: int = 50_000, memo: Path | None = None) -> str:
    """Prune every large inline <style> of a page against the classes the page uses. With `memo`, a
    folder, a stylesheet pruned once for the same classes is read from there (parsing it takes most
    of a second, and it is the same on every build)."""
    used = classes_in(page_html)
    edits = [(style.inner_start, style.inner_end, _pruned(css, used, memo)) for style, css in _large_styles(page_html, min_size)]
    return html_spans.replace(page_html, edits)


def _large_styles(page_html: str, min_size: int):
    """The page's inline <style> elements of at least `min_size` characters, with their CSS."""
    for style in html_spans.elements(page_html, lambda tag, attrs: tag == "style"):
        css = page_html[style.inner_start : style.inner_end]
        if len(css) >= min_size:
            yield style, css


MEMO_ENTRIES = 8  # pruned stylesheets kept in a memo folder; the oldest go first


def _pruned(css: str, used: set[str], memo: Path | None) -> str:
    if memo is None:
        return prune(css, used)
    key = hashlib.sha256((css + "\0" + " ".join(sorted(used))).encode()).hexdigest()
    entry = memo / f"{key}.css"
    try:
        return entry.read_text(encoding="utf-8")
    except OSError:
        pass
    pruned = prune(css, used)
    atomic.write_text(entry, pruned)
    for old in sorted(memo.glob("*.css"), key=lambda path: path.stat().st_mtime)[:-MEMO_ENTRIES]:
        old.unlink(missing_ok=True)
    return pruned
