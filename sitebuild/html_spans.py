"""Where elements are in an HTML page, found by parsing it (html.parser), so the build can edit
exactly those characters and leave the rest of the page as MkDocs wrote it.

    for element in elements(page, lambda tag, attrs: tag == "div" and "x" in classes(attrs)):
        page[element.start:element.end]           # the whole element
        page[element.inner_start:element.inner_end]  # its content
    page = replace(page, [(element.start, element.end, "new HTML"), ...])
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Callable

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: dict
    start: int  # of "<tag"
    inner_start: int  # after the start tag's ">"
    inner_end: int  # of "</tag"
    end: int  # after the end tag's ">"


def classes(attrs: dict) -> set[str]:
    return set((attrs.get("class") or "").split())


class _Finder(HTMLParser):
    def __init__(self, text: str, wanted: Callable[[str, dict], bool]):
        super().__init__(convert_charrefs=False)
        self.text, self.wanted, self.found = text, wanted, []
        self._line_starts = [0]
        position = text.find("\n")
        while position != -1:
            self._line_starts.append(position + 1)
            position = text.find("\n", position + 1)
        self._depth: dict[str, int] = {}  # open elements per tag name
        self._open: list[tuple[str, dict, int, int, int]] = []  # selected: tag, attrs, start, inner start, depth
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        self._depth[tag] = self._depth.get(tag, 0) + 1
        if self.wanted(tag, attrs):
            start = self._offset()
            self._open.append((tag, attrs, start, start + len(self.get_starttag_text()), self._depth[tag]))

    def handle_endtag(self, tag):
        depth = self._depth.get(tag, 0)
        if not depth:
            return
        if self._open and self._open[-1][0] == tag and self._open[-1][4] == depth:
            _, attrs, start, inner_start, _ = self._open.pop()
            inner_end = self._offset()
            end = self.text.index(">", inner_end) + 1
            self.found.append(Element(tag, attrs, start, inner_start, inner_end, end))
        self._depth[tag] = depth - 1


def elements(page_html: str, wanted: Callable[[str, dict], bool]) -> list[Element]:
    """Every element `wanted(tag, attributes)` selects, in the order they start."""
    return sorted(_Finder(page_html, wanted).found, key=lambda element: element.start)


def replace(page_html: str, edits) -> str:
    """The page with each (start, end, text) of `edits` (spans that do not overlap) replaced."""
    pieces, position = [], 0
    for start, end, text in sorted(edits, key=lambda edit: edit[0]):
        pieces += [page_html[position:start], text]
        position = end
    return "".join(pieces) + page_html[position:]
