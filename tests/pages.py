"""Read what a built page shows: snippet code blocks and snippet outputs, as a reader sees them."""

from __future__ import annotations

from html.parser import HTMLParser


class _SnippetReader(HTMLParser):
    """Collects, per snippet path, the code block's text and the output's stdout text.

    Output text excludes warnings and the expected exception's last line (those go to stderr when
    the file is run with python), so it is comparable with the snippet's stdout.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.code: dict[str, str] = {}
        self.output: dict[str, str] = {}
        self.warnings: dict[str, str] = {}
        self._stack: list[str] = []
        self._title: str | None = None  # the filename span of the current code block
        self._in_filename = False
        self._code_for: str | None = None
        self._output_for: str | None = None
        self._skip_depth: int | None = None
        self._in_pre_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self._stack.append(tag)
        if tag == "span" and "filename" in classes:
            self._in_filename, self._title = True, ""
        elif tag == "div" and "snippet-output" in classes:
            self._output_for = attrs["data-snippet"]
            self.output[self._output_for] = ""
            self.warnings[self._output_for] = ""
        elif tag == "code" and self._stack[-2:-1] == ["pre"]:
            self._in_pre_code = True
            if self._output_for is None and self._title:
                self._code_for = self._title
                self.code[self._code_for] = ""
        elif tag == "span" and self._output_for and {"snippet-warning", "snippet-exception"} & set(classes):
            self._skip_depth = len(self._stack)

    def handle_endtag(self, tag):
        if self._skip_depth is not None and len(self._stack) == self._skip_depth and tag == "span":
            self._skip_depth = None
        if tag == "span" and self._in_filename:
            self._in_filename = False
        if tag == "code" and self._in_pre_code:
            self._in_pre_code = False
            self._code_for, self._title = None, None
        if tag == "pre" and self._output_for:
            self._output_for = None  # an output block is one <pre>
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self._in_filename:
            self._title += data
        elif self._in_pre_code and self._code_for:
            self.code[self._code_for] += data
        elif self._in_pre_code and self._output_for:
            if self._skip_depth is None:
                self.output[self._output_for] += data
            else:
                self.warnings[self._output_for] += data


def read_snippets(page_html: str) -> _SnippetReader:
    reader = _SnippetReader()
    reader.feed(page_html)
    return reader
