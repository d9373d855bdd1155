"""Drop the CSS rules a page can never use.

mkdocs-jupyter inlines all of JupyterLab's stylesheet (about 570 KB) into the notebook's page, most
of it for JupyterLab's own UI. A rule whose selector names a class that appears nowhere in the page
cannot match (the notebook page is static: no script adds jp-* classes later), so it is removed.
Rules without classes, @font-face, @keyframes and the like are kept as they are.
"""

from __future__ import annotations

import re

_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CLASS_ATTR = re.compile(r'class="([^"]*)"')


def classes_in(page_html: str) -> set[str]:
    return {name for value in _CLASS_ATTR.findall(page_html) for name in value.split()}


def _blocks(css: str):
    """Split CSS into (prelude, body) pairs at the top level; body is None for statements like @import."""
    position, length = 0, len(css)
    while position < length:
        brace = css.find("{", position)
        semicolon = css.find(";", position)
        if brace == -1:
            tail = css[position:].strip()
            if tail:
                yield tail, None
            return
        if semicolon != -1 and semicolon < brace and css[position:semicolon].lstrip().startswith("@"):
            yield css[position : semicolon + 1].strip(), None
            position = semicolon + 1
            continue
        depth, index = 1, brace + 1
        while depth and index < length:
            char = css[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char in "\"'":  # skip strings, which may hold braces
                index = css.index(char, index + 1)
            index += 1
        yield css[position:brace].strip(), css[brace + 1 : index - 1]
        position = index


def prune(css: str, used: set[str]) -> str:
    out = []
    for prelude, body in _blocks(css):
        if body is None:
            out.append(prelude)
        elif prelude.startswith(("@media", "@supports", "@layer")):
            inner = prune(body, used)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{body}}}")  # @font-face, @keyframes, @page: keep whole
        else:
            selectors = [s for s in _split_selectors(prelude) if _required_classes(s) <= used]
            if selectors:
                out.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(out)


_PARENTHESES = re.compile(r"\([^()]*\)")


def _required_classes(selector: str) -> set[str]:
    """Classes an element must have for the selector to match. Classes inside :not(), :is() and the
    like are left out: `:not(.x)` matches without .x, `:is(.x, .y)` with either."""
    previous = None
    while previous != selector:
        previous, selector = selector, _PARENTHESES.sub("", selector)
    return set(_CLASS.findall(selector))


def _split_selectors(prelude: str) -> list[str]:
    """Split a selector list at top-level commas (not those inside :is(...), :not(...) and the like)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:index].strip())
            start = index + 1
    parts.append(prelude[start:].strip())
    return [part for part in parts if part]


_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)


def prune_page_styles(page_html: str, min_size: int = 50_000) -> str:
    """Prune every large inline <style> of a page against the classes the page uses."""
    used = classes_in(page_html)
    return _STYLE.sub(
        lambda m: m.group(1) + (prune(m.group(2), used) if len(m.group(2)) >= min_size else m.group(2)) + m.group(3),
        page_html,
    )
