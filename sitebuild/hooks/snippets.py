"""MkDocs hook: every `@snippet` directive becomes the snippet's code, output and figures.

At on_files each page's directives are parsed (once) and all their snippets go to the runner
together, so they run in parallel while MkDocs reads pages. on_page_markdown puts each snippet's
code fence in place of its directive, followed by a placeholder element, without waiting for any
result: MkDocs converts every page's Markdown while torch is still importing in the warm process.
Only on_page_context, just before a page's template is rendered (and before search indexes it),
waits for that page's results and fills the placeholders with output and figures (HTML, never read
as Markdown). Figures are written into the built site at on_post_build, never into docs/, so
`mkdocs serve` does not rebuild in a loop. The build report (sitebuild/report.py) is written at
on_post_build.

Switches (environment variables):
    SITE_EXECUTE=0        render the snippets' code only, without running them (the lab has its own
                          switch in mkdocs.yml: LAB_EXECUTE=false)
    SNIPPET_TIMEOUT=60    seconds a snippet may run
    SNIPPET_CACHE=path    where results are cached (default .cache/snippets); "off" disables it
    SITE_BUILD_REPORT=path  where the build report goes (default .cache/build-report.json)
"""

from __future__ import annotations

import logging
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

from sitebuild import directive, render, report
from sitebuild.result import Snippet
from sitebuild.runner import executes, project_runner, start_unless_cached

log = logging.getLogger("mkdocs.hooks.snippets")
# Errors under `mkdocs serve` go to the terminal through a logger of our own: through MkDocs' logger
# they would count as errors in strict mode and stop the rebuild, which makes the server hang.
serve_log = logging.getLogger("sitebuild.serve")
if not serve_log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    serve_log.addHandler(_handler)
    serve_log.propagate = False


@dataclass
class _Page:
    """One page's directives, parsed from its file at on_files (or why they could not be)."""

    source: str
    directives: list[directive.Directive] = field(default_factory=list)
    problem: str | None = None  # under `mkdocs serve`: shown on the page instead of failing the build


class SnippetBuild:
    """Everything the snippets hook keeps across events: one object, made new for every build."""

    def __init__(self, command: str, config, dirty: bool = False, rendered_with: dict | None = None):
        self.command = command
        self.dirty = dirty  # `mkdocs serve --dirty`: MkDocs rebuilds only the pages it sees modified
        # page -> the cache keys of the snippets it was last rendered with (kept across serve rebuilds)
        self.rendered_with: dict[str, tuple] = {} if rendered_with is None else rendered_with
        self.root = Path(config.config_file_path).resolve().parent  # snippets/ and .cache/ live beside mkdocs.yml
        self.snippets_dir = self.root / "snippets"
        self.snippets_dir_resolved = self.snippets_dir.resolve()
        self.execute = executes()
        self.runner = project_runner(self.root)
        self.report = report.begin(self.execute)
        self.pages: dict[str, _Page] = {}  # src_uri -> its directives
        self.snippets: dict[Path, Snippet] = {}
        self.by_path: dict[str, Snippet] = {}  # as a directive names it ("snippets/x/y.py"): one file read per build
        self.futures: dict[Path, object] = {}
        self.figures: dict[str, str] = {}  # file name -> SVG text
        self.slots: dict[str, dict[str, tuple]] = {}  # page -> placeholder id -> (directive, snippet), filled at on_page_context
        self.pages_started = time.perf_counter()

    # -- on_files: parse every page once and start every snippet ---------------------------------

    def read_pages(self, files) -> None:
        for file in files.documentation_pages():
            if not file.src_uri.endswith(".md"):
                continue
            page = self.pages[file.src_uri] = _Page(Path(file.abs_src_path).read_text(encoding="utf-8"))
            try:
                page.directives = directive.find_directives(page.source)
            except directive.DirectiveError as exc:
                if self.command != "serve":
                    raise PluginError(f"docs/{file.src_uri}, {exc}") from None  # a clean error naming the page
                page.problem = f"docs/{file.src_uri}, {exc}"  # shown on the page itself, in on_page_markdown
            for item in page.directives:
                try:
                    self.start(self.snippet(item, file.src_uri))
                except PluginError:
                    if self.command != "serve":
                        raise
                    # under serve, on_page_markdown shows it in place of its directive
            if self.dirty and self.rendered_with.get(file.src_uri) != self.snippet_keys(page):
                # A page whose snippets are not the ones it was last rendered with (edited, reverted,
                # missing, restored) is modified too: without its built file, MkDocs' dirty rebuild
                # sees it so (File.is_modified) and renders it again.
                Path(file.abs_dest_path).unlink(missing_ok=True)

    def snippet_keys(self, page: _Page) -> tuple | None:
        """The cache keys of the page's snippets (None for a page whose directives or files are broken)."""
        if page.problem:
            return None
        found = [self.by_path.get(item.path) for item in page.directives]
        return None if None in found else tuple(snippet.key for snippet in found)

    def snippet(self, item: directive.Directive, page: str) -> Snippet:
        snippet = self.by_path.get(item.path)
        if snippet is None:
            try:
                found = self.runner.snippet(self.root / item.path)
            except OSError:  # missing, or a folder
                found = None
            if found is None or self.snippets_dir_resolved not in found.file.parents:
                raise PluginError(f"docs/{page}, line {item.lineno}: no snippet file {item.path} (paths start with snippets/)")
            snippet = self.by_path[item.path] = self.snippets.setdefault(found.file, found)
        snippet.pages.add(page)
        return snippet

    def start(self, snippet: Snippet) -> None:
        if self.execute and snippet.file not in self.futures:
            self.futures[snippet.file] = self.runner.submit(snippet)

    def result(self, snippet: Snippet):
        self.start(snippet)  # a directive another plugin added after on_files runs now
        return self.futures[snippet.file].result()

    # -- on_page_markdown: code in place of each directive, a placeholder for its output ---------

    def page_markdown(self, markdown: str, src_uri: str, url: str) -> str:
        page = self.pages.get(src_uri)
        if page is None or not page.source.endswith(markdown):  # added or changed by another plugin: parse it here
            page = _Page(markdown)
            try:
                page.directives = directive.find_directives(markdown)
            except directive.DirectiveError as exc:
                page.problem = f"docs/{src_uri}, {exc}"
        if page.problem:
            return self.problem(page.problem) + "\n\n" + markdown
        skipped = len(page.source) - len(markdown)  # the front matter MkDocs has taken off
        slots = self.slots.setdefault(src_uri, {})
        pieces, position = [], 0
        for number, item in enumerate(page.directives):
            start, end = item.span[0] - skipped, item.span[1] - skipped
            pieces.append(markdown[position:start])
            position = end
            try:
                snippet = self.snippet(item, src_uri)
                code = render.code_markdown(self.source(snippet, item, src_uri), snippet.shown, item.indent)
            except PluginError as exc:
                pieces.append(self.problem(str(exc), item.indent) + "\n")
                continue
            slot = f"snippet-slot-{number}"
            slots[slot] = (item, snippet)
            pieces.append(f'{code}\n\n{item.indent}<div id="{slot}"></div>\n')
        pieces.append(markdown[position:])
        return "".join(pieces)

    @staticmethod
    def source(snippet: Snippet, item: directive.Directive, src_uri: str) -> str:
        try:
            with tokenize.open(snippet.file) as handle:  # as Python reads it: UTF-8, or the file's coding line
                return handle.read()
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise PluginError(f"docs/{src_uri}, line {item.lineno}: cannot read {snippet.shown} as Python does: {exc}") from None

    # -- on_page_context: each placeholder gets its snippet's output and figures --------------------

    def page_content(self, content: str, src_uri: str, url: str) -> str:
        page = self.pages.get(src_uri)
        self.rendered_with[src_uri] = self.snippet_keys(page) if page else None
        slots = self.slots.pop(src_uri, None)
        if not slots:
            return content
        with self.report.timed("waiting for a page's snippet results"):
            filled = {slot: self.output(item, snippet, src_uri, url) for slot, (item, snippet) in slots.items()}
        return render.fill_slots(content, filled)

    def output(self, item: directive.Directive, snippet: Snippet, src_uri: str, url: str) -> str:
        """HTML for the snippet's output and figures (under serve, its problem, if it has one)."""
        if not self.execute:
            return ""
        result = self.result(snippet)
        problem = render.problem(result, item, f"docs/{src_uri}")
        if problem:
            self.report.failed.append(snippet.shown)
            if self.command != "serve":
                raise PluginError(problem)
            serve_log.error(problem)
            return render.problem_html(problem)
        for figure in result.figures:
            light, dark = figure.file_names()
            self.figures[light], self.figures[dark] = figure.light, figure.dark
        url_prefix = get_relative_url(render.FIGURES_DIR, url) + "/"
        return render.output_html(result, item.raises) + render.figures_html(result, item.alt or "", url_prefix)

    def problem(self, message: str, indent: str = "") -> str:
        """`mkdocs build` stops on a broken snippet. `mkdocs serve` reports it, shows it on the page
        and keeps serving (MkDocs would otherwise hold every request until the error is fixed)."""
        if self.command != "serve":
            raise PluginError(message)
        serve_log.error(message)
        return render.problem_markdown(message, indent)

    # -- on_post_build ------------------------------------------------------------------------------

    def finish(self, site_dir: str) -> None:
        self.report.add("pages (rendering, waiting on snippets and the lab)", time.perf_counter() - self.pages_started)
        with self.report.timed("figure files"):
            target = Path(site_dir) / render.FIGURES_DIR
            target.mkdir(parents=True, exist_ok=True)
            for name, svg in sorted(self.figures.items()):
                (target / name).write_text(svg, encoding="utf-8")
        for future in self.futures.values():
            if future.done() and future.exception() is None:
                result = future.result()
                (self.report.cached if result.cached else self.report.ran).append(result.path)
                if not result.cached:
                    self.report.seconds[result.path] = result.seconds
        for stage, seconds in self.runner.take_timings().items():
            self.report.add(stage, seconds)
        log.info(self.report.summary())
        self.report.write(report.report_path(self.root))
        self.runner.prune_cache()


class _Hook:
    """The hook's one piece of state: the command, the build under way and, for `mkdocs serve
    --dirty`, what each page was last rendered with."""

    command = "build"
    dirty = False
    build: SnippetBuild | None = None

    def __init__(self):
        self.rendered_with: dict[str, tuple] = {}  # see SnippetBuild; MkDocs keeps a hook module across serve rebuilds


_hook = _Hook()


def on_startup(command, dirty):
    _hook.command, _hook.dirty = command, dirty


def on_config(config):
    build = _hook.build = SnippetBuild(_hook.command, config, _hook.dirty, _hook.rendered_with)
    # torch imports in the warm process while MkDocs reads the pages (the sitebuild/warm-start plugin
    # has usually started it already). A build whose snippets are all cached never needs it;
    # `mkdocs serve` keeps it ready for the first edit.
    if build.execute and build.command == "serve":
        build.runner.start()
    elif build.execute:
        start_unless_cached(build.root)
    return config


def on_files(files, config):
    _hook.build.runner.reset_counts()
    with _hook.build.report.timed("reading pages and directives"):
        _hook.build.read_pages(files)
    _hook.build.pages_started = time.perf_counter()
    return files


def on_page_markdown(markdown, page, config, files):
    if not page.file.src_uri.endswith(".md"):
        return markdown
    return _hook.build.page_markdown(markdown, page.file.src_uri, page.file.url)


def on_page_content(html, page, config, files):
    if config.repo_url:  # each code block's title (the snippet's path) links to the file: "view source"
        html = render.link_code_titles(html, config.repo_url.rstrip("/") + "/blob/main/")
    return html


def on_env(env, config, files):
    # MkDocs writes the pages in the order of `files`: the pages that wait for no snippet go first,
    # so they are written while the snippets still run. (The lab's page is among them although it
    # may wait for its run: that ends before most snippets do, and its rendering, the longest of any
    # page, is then done while they still run, not after the last one.)
    for file in [file for file in files.documentation_pages() if _hook.build.slots.get(file.src_uri)]:
        files.remove(file)
        files.append(file)
    return env


@event_priority(100)  # before the search plugin indexes page.content
def on_page_context(context, page, config, nav):
    _hook.build.report.rendered.append(page.file.src_uri)
    page.content = _hook.build.page_content(page.content, page.file.src_uri, page.file.url)
    return context


def on_post_build(config):
    _hook.build.finish(config.site_dir)
