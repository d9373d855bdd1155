"""The MkDocs hook: a thin adapter between pages and the snippet runner.

At the start of the build it finds every `@snippet` directive in every page and hands all the
snippets to the runner at once (they run in parallel while MkDocs reads pages). Each directive is
then replaced by the snippet's code, output and figures. Figures are written into the built site,
never into docs/, so `mkdocs serve` does not rebuild in a loop.

Speed (measured by benchmarks/build_speed.py): the warm process starts at on_config, unless every
snippet already has a cached result (`mkdocs serve` always starts it, for the first edit); the lab
notebook starts executing in the background at on_pre_build (see notebook.py), beside the snippets.

Switches (environment variables):
    SITE_EXECUTE=0        render the snippets' code only, without running them (the lab notebook
                          has its own switch in mkdocs.yml: LAB_EXECUTE=false)
    SNIPPET_TIMEOUT=60    seconds a snippet may run
    SNIPPET_CACHE=path    where results are cached (default .cache/snippets); "off" disables it
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import tokenize
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # MkDocs loads hooks by file path

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from sitebuild import directive, mathml, notebook, render  # noqa: E402
from sitebuild.runner import shared_runner  # noqa: E402

log = logging.getLogger("mkdocs.hooks.snippets")
# Errors under `mkdocs serve` go to the terminal through a logger of our own: through MkDocs' logger
# they would count as errors in strict mode and stop the rebuild, which makes the server hang.
serve_log = logging.getLogger("sitebuild.serve")
if not serve_log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    serve_log.addHandler(_handler)
    serve_log.propagate = False
FIGURES_DIR = "assets/figures"


class Build:
    """What one build knows: the directives of each page, the runs under way, the figures to write."""

    def __init__(self, command: str, root: Path):
        self.command = command
        self.root = root  # the folder of mkdocs.yml: snippets/ and .cache/ live beside it
        self.snippets = root / "snippets"
        self.execute = os.environ.get("SITE_EXECUTE", "1") != "0"
        cache = os.environ.get("SNIPPET_CACHE", str(root / ".cache" / "snippets"))
        self.runner = shared_runner(
            cache_dir=None if cache == "off" else Path(cache),
            timeout=float(os.environ.get("SNIPPET_TIMEOUT", "60")),
            root=root,
        )
        self.directives: dict[str, list[directive.Directive]] = {}
        self.futures: dict[Path, object] = {}
        self.figures: dict[str, str] = {}  # file name -> SVG text
        self.slots: dict[str, dict[str, str]] = {}  # page -> placeholder -> HTML
        self.started = time.perf_counter()


_command = "build"
_build: Build | None = None


def on_startup(command, dirty):
    global _command
    _command = command


def on_config(config):
    global _build
    root = Path(config.config_file_path).resolve().parent
    _set_source_date_epoch(root)
    _build = Build(_command, root)
    if _build.execute and (_command == "serve" or not _build.runner.all_cached(_build.snippets.rglob("*.py"))):
        # torch imports in the warm process while MkDocs reads the pages. A build whose snippets are
        # all cached never needs it; `mkdocs serve` keeps it ready for the first edit.
        _build.runner.start()
    return config


def on_files(files, config):
    """Find every directive in every page and start all their snippets now, together."""
    _build.runner.reset_counts()
    _build.started = time.perf_counter()
    for file in files.documentation_pages():
        if not file.src_uri.endswith(".md"):
            continue
        source = Path(file.abs_src_path).read_text(encoding="utf-8")
        try:
            found = directive.find_directives(source)
            paths = [_snippet_path(item, file.src_uri) for item in found]
        except (directive.DirectiveError, PluginError) as exc:
            if _build.command == "serve":
                continue  # reported on the page itself, in on_page_markdown
            if isinstance(exc, directive.DirectiveError):  # a clean error naming the page, not a traceback
                raise PluginError(f"docs/{file.src_uri}, {exc}") from None
            raise
        for path in paths:
            if _build.execute and path not in _build.futures:
                _build.futures[path] = _build.runner.submit(path)
    return files


def on_page_markdown(markdown, page, config, files):
    if notebook.is_notebook(page):
        notebook.describe(page)
        notebook.wait(page)  # its background rendering is in mkdocs-jupyter's cache once this returns
        return markdown
    try:
        found = directive.find_directives(markdown, _front_matter_lines(page, markdown))
    except directive.DirectiveError as exc:
        return _problem(f"docs/{page.file.src_uri}, {exc}", markdown)
    slots = _build.slots.setdefault(page.file.src_uri, {})
    pieces, position = [], 0
    for number, item in enumerate(found):
        pieces.append(markdown[position : item.span[0]])
        position = item.span[1]
        token = f"SNIPPETSLOT{number}X"
        try:
            code, slots[token] = _render(item, page)
        except PluginError as exc:
            code, slots[token] = _problem(str(exc), indent=item.indent), ""
        pieces.append(code + f"\n\n{item.indent}{token}\n")
    pieces.append(markdown[position:])
    return "".join(pieces)


def _render(item: directive.Directive, page) -> tuple[str, str]:
    """Markdown for the snippet's code and HTML for its output and figures (or a PluginError)."""
    path = _snippet_path(item, page.file.src_uri)
    title = path.relative_to(_build.root).as_posix()
    try:
        with tokenize.open(path) as handle:  # as Python reads it: UTF-8, or the file's coding line
            text = handle.read()
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise PluginError(f"docs/{page.file.src_uri}, line {item.lineno}: cannot read {title} as Python does: {exc}") from None
    code = render.code_markdown(text, title, item.indent)
    if not _build.execute:
        return code, ""
    result = _result_for(path)
    problem = render.error_message(result, f"docs/{page.file.src_uri}", item.lineno, item.raises)
    if problem:
        raise PluginError(problem)
    if result.figures and not item.alt:
        raise PluginError(
            f"docs/{page.file.src_uri}, line {item.lineno}: {title} draws a figure; "
            'give it alt text: @snippet … alt="what the figure shows"'
        )
    for figure in result.figures:
        light, dark = render.figure_file_names(figure.light, figure.dark)
        _build.figures[light], _build.figures[dark] = figure.light, figure.dark
    url_prefix = get_relative_url(FIGURES_DIR, page.file.url) + "/"
    output = render.output_html(result, item.raises) + render.figures_html(result, item.alt or "", url_prefix)
    return code, output


def _front_matter_lines(page, markdown: str) -> int:
    """Lines of the page file before the Markdown MkDocs hands over (the front matter it strips)."""
    source = page.file.content_string
    return source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0


def _problem(message: str, markdown: str = "", indent: str = "") -> str:
    """`mkdocs build` stops on a broken snippet. `mkdocs serve` reports it, shows it on the page
    and keeps serving (MkDocs would otherwise hold every request until the error is fixed)."""
    if _build.command != "serve":
        raise PluginError(message)
    serve_log.error(message)
    return render.problem_markdown(message, indent) + "\n\n" + markdown


def on_page_content(html, page, config, files):
    if notebook.is_notebook(page):
        html = notebook.mark_heading_anchors(html)
    for token, content in _build.slots.pop(page.file.src_uri, {}).items():
        html = html.replace(f"<p>{token}</p>", content)
    if config.repo_url:
        html = render.link_code_titles(html, config.repo_url.rstrip("/") + "/blob/main/")
    return mathml.render_math(html)


def on_post_page(output, page, config):
    if notebook.is_notebook(page):
        output = notebook.clean_page(output)
    return output


def on_post_build(config):
    target = Path(config.site_dir) / FIGURES_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, svg in sorted(_build.figures.items()):
        (target / name).write_text(svg, encoding="utf-8")
    runner = _build.runner
    if _build.execute:
        log.info(
            "Snippets: %d ran, %d from the cache; snippet time %.2f s; build so far %.2f s",
            len(runner.ran),
            len(runner.from_cache),
            runner.run_seconds,
            time.perf_counter() - _build.started,
        )
        if runner.ran:
            log.info("Snippets that ran: %s", ", ".join(sorted(runner.ran)))
    else:
        log.info("Snippets: execution is off (SITE_EXECUTE=0); code shown without output")
    runner.prune_cache()


def on_build_error(error):
    """A failed `mkdocs build` leaves no site behind that could be mistaken for a good one."""
    if _command == "build" and _build is not None and _site_dir:
        shutil.rmtree(_site_dir, ignore_errors=True)


def on_pre_build(config):
    global _site_dir
    _site_dir = config.site_dir
    notebook.start_early(config)  # the lab's kernel starts now, beside the warm process, in the background


_site_dir: str | None = None


def _snippet_path(item: directive.Directive, page: str) -> Path:
    path = (_build.root / item.path).resolve()
    if not path.is_file() or _build.snippets.resolve() not in path.parents:
        raise PluginError(f"docs/{page}, line {item.lineno}: no snippet file {item.path} (paths start with snippets/)")
    return path


def _result_for(path: Path):
    future = _build.futures.get(path)
    if future is None:  # a directive added by another plugin after on_files: run it now
        future = _build.futures[path] = _build.runner.submit(path)
    return future.result()


def _set_source_date_epoch(root: Path) -> None:
    """Reproducible builds: dates in the site (the sitemap's lastmod) come from the last commit."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return
    try:
        stamp = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        log.info("Not a git checkout: set SOURCE_DATE_EPOCH for a reproducible build")
        return
    if stamp:
        os.environ["SOURCE_DATE_EPOCH"] = stamp
