"""MkDocs hook: the lab notebook runs through the site's own runner; mkdocs-jupyter only renders it.

At on_files (before mkdocs-jupyter's) every notebook starts running in one child of the warm process
(its cells in one namespace, as a kernel runs them: sitebuild/notebook_child.py), beside the
snippets, so no kernel starts and torch is not imported a second time. The executed copy is cached
in .cache/lab/ under a hash of the notebook and the runner's source (a new run removes the copies of
earlier versions), and handed to mkdocs-jupyter through MkDocs' public File API (a `File` in the
cache folder, or the page's `file.abs_src_path`), so it renders it with `execute: false`.

Nothing waits for a run while MkDocs reads pages. A notebook whose executed copy is cached is read
from it. One still running is read from a copy with its Markdown cells only (the same title, headings
and stylesheet; .cache/lab/reading/); at on_page_context,
when its turn comes to be written, the page waits for the run (a failed cell stops the build there),
and mkdocs-jupyter renders it again from the executed copy (its own on_pre_page, then the page's
render and the page_content event, as MkDocs reads a page), before search indexes it. The page's
HTML is then cleaned (sitebuild/notebook.py). The download next to the page is the notebook as
stored in docs/, without outputs.

Switch: LAB_EXECUTE=false renders the lab as stored, without running it.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from sitebuild import atomic, notebook, notebook_child, render, report
from sitebuild.result import build_fingerprint
from sitebuild.runner import shared_runner

PLUGIN = "mkdocs-jupyter"


class LabBuild:
    """What the lab hook keeps across one build's events."""

    def __init__(self, config):
        self.root = Path(config.config_file_path).resolve().parent
        self.cache = Path(os.environ.get("LAB_RUN_CACHE") or self.root / ".cache" / "lab")
        self.runs: dict[str, concurrent.futures.Future] = {}  # src_uri -> the run under way (or done)
        self.originals: dict[str, str] = {}  # src_uri -> the notebook as stored (the download)
        self.read_before_run: set[str] = set()  # notebooks read before their run ended: rendered again
        self.files = None  # the build's files (on_env)

    def start(self, config, files) -> None:
        plugin = config.plugins.get(PLUGIN)
        for file in list(files):
            if not file.src_uri.endswith(".ipynb") or (plugin is not None and not plugin.should_include(file)):
                continue
            source = Path(file.abs_src_path).read_bytes()
            key = hashlib.sha256(build_fingerprint().encode() + b"\0" + source).hexdigest()
            folder = self.cache / key
            executed = folder / file.src_uri  # its name: the page's download link
            future: concurrent.futures.Future = concurrent.futures.Future()
            self.runs[file.src_uri] = future
            self.originals[file.src_uri] = file.abs_src_path
            if executed.is_file():
                report.current().lab["cached"].append(file.src_uri)
                future.set_result(executed)
            else:
                report.current().lab["ran"].append(file.src_uri)
                args = (future, Path(file.abs_src_path), executed, file.src_uri)
                threading.Thread(target=self._run, args=args, daemon=True).start()
                self.read_before_run.add(file.src_uri)  # rendered again at on_page_context
                folder = self._prose_only(source, file.src_uri)
            files.remove(file)
            # A File whose source folder is the executed copy's (File.generated's files have no source
            # folder, which mkdocs-jupyter's page wrapper needs to find the file).
            files.append(File(file.src_uri, str(folder), config.site_dir, config.use_directory_urls))

    def _prose_only(self, source: bytes, src_uri: str) -> Path:
        """What MkDocs reads while the notebook runs: its Markdown cells only (the title, the headings
        for the table of contents and the stylesheet come out the same; its code would be rendered twice
        for nothing). Returns the folder it is in."""
        notebook = json.loads(source)
        notebook["cells"] = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "markdown"]
        _write_notebook(self.cache / "reading" / src_uri, notebook)
        return self.cache / "reading"

    def _run(self, future: concurrent.futures.Future, source: Path, executed: Path, src_uri: str) -> None:
        try:
            with report.current().timed("lab (its run, beside the snippets)"):
                data = shared_runner().run_notebook(source)
            error = data.get("metadata", {}).pop("sitebuild", {}).get("error")
            if error:
                raise PluginError(f"{source.name}, {error}")
            _write_notebook(executed, data)
            future.set_result(executed)
            kept = self.cache / executed.relative_to(self.cache).parts[0]
            for folder in self.cache.iterdir():  # the executed copies of this notebook's earlier versions
                if folder != kept and len(folder.name) == len(kept.name) and (folder / src_uri).is_file():
                    shutil.rmtree(folder, ignore_errors=True)
        except BaseException as exc:  # noqa: BLE001 - raised on the page's own thread, in wait()
            future.set_exception(exc)

    def render_executed(self, page, config, files) -> None:
        """A page read before its run ended, once it has: mkdocs-jupyter renders the executed copy."""
        if page.file.src_uri not in self.read_before_run:
            return
        future = self.runs[page.file.src_uri]
        if not future.done():  # the stylesheet is the same in the Markdown-only rendering: parse it while waiting
            with report.current().timed("lab (parsing its stylesheet while it runs)"):
                notebook.prepare_cleaning(page.content)
        with report.current().timed("lab (waiting for its run)"):
            executed = future.result()
        with report.current().timed("lab (rendering the executed copy)"):
            page.file.abs_src_path = str(executed)
            config.plugins.get(PLUGIN).on_pre_page(page, config=config, files=files)
            page.render(config, files)
            page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)

    def dark_figures(self, src_uri: str) -> dict:
        """The dark variants the lab's child made of its figures (see notebook_child.dark_variants)."""
        future = self.runs.get(src_uri)
        if future is None or not future.done() or future.exception() is not None:
            return {}
        try:
            return notebook_child.dark_variants(json.loads(future.result().read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def download(self, page) -> None:
        """mkdocs-jupyter publishes the file it rendered (the executed copy) beside the page: readers
        download the notebook as stored instead."""
        original = self.originals.get(page.file.src_uri)
        target = Path(page.file.abs_dest_path).parent / Path(page.file.src_uri).name
        if original and target.is_file():
            shutil.copyfile(original, target)


def _write_notebook(path: Path, notebook: dict) -> None:
    atomic.write_text(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


class _Hook:
    build: LabBuild | None = None


_hook = _Hook()


def _executes() -> bool:
    return os.environ.get("LAB_EXECUTE", "true").lower() not in ("false", "0", "no")


@event_priority(50)  # before mkdocs-jupyter's on_files, which makes the notebooks pages
def on_files(files, config):
    _hook.build = LabBuild(config)
    if _executes():
        with report.current().timed("lab (start)"):
            _hook.build.start(config, files)
    return files


def on_page_markdown(markdown, page, config, files):
    if notebook.is_notebook(page):
        notebook.describe(page, Path(_hook.build.originals.get(page.file.src_uri) or page.file.abs_src_path))
    return markdown


def on_page_content(html, page, config, files):
    # Before the search plugin reads the page (it indexes page content, not the finished page).
    return notebook.mark_heading_anchors(html) if notebook.is_notebook(page) else html


def on_env(env, config, files):
    _hook.build.files = files  # for rendering a page again at on_page_context, whose event has none
    return env


@event_priority(100)  # before the search plugin indexes page.content (as the snippets hook)
def on_page_context(context, page, config, nav):
    if notebook.is_notebook(page):
        _hook.build.render_executed(page, config, _hook.build.files)
    return context


def on_post_page(output, page, config):
    if notebook.is_notebook(page):
        _hook.build.download(page)  # after mkdocs-jupyter's on_post_page, which copies the executed one
        with report.current().timed("lab (cleaning its page)"):
            dark = _hook.build.dark_figures(page.file.src_uri)
            saver = _figure_saver(config.site_dir, page.file.url)
            output = notebook.clean_page(output, saver, dark, css_memo=_hook.build.cache / "css")
    return output


def _figure_saver(site_dir: str, page_url: str):
    """The lab's figures go where the lessons' go (the snippets hook's folder), named by their
    content, so an unchanged figure keeps its URL and a browser's cached copy."""
    folder = Path(site_dir) / render.FIGURES_DIR
    prefix = get_relative_url(render.FIGURES_DIR, page_url) + "/"

    def save(png: bytes, variant: str) -> str:
        # "-light" / "-dark" as the lessons' figures: the page shows (and links) only the palette's own
        name = f"lab-{hashlib.sha256(png).hexdigest()[:16]}-{variant}.png"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(png)
        return prefix + name

    return save
