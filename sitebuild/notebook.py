"""Glue for the lab notebook, which mkdocs-jupyter renders and executes.

Two fixes on its output: nbconvert's template loads MathJax from a CDN (nothing on this site may load
from another host), so that script is removed and the notebook's $…$ math becomes MathML like
every other page. The notebook has its own execution switch in mkdocs.yml (LAB_EXECUTE=false);
the hook's SITE_EXECUTE=0 turns off the snippets only.

Speed: mkdocs-jupyter executes a notebook when its page is rendered, after the pages before it, with
nothing else going on. `start_early` runs that same rendering (mkdocs-jupyter's own code, with its own
arguments) in a background thread as soon as the build starts, so the kernel starts and
imports torch while MkDocs reads pages and the snippets run. The result lands in mkdocs-jupyter's
cache, where the page's own render finds it; `wait` holds the page until then.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import types

from sitebuild.css_prune import prune_page_styles
from sitebuild.mathml import render_dollar_math

log = logging.getLogger("mkdocs.hooks.snippets")

PLUGIN = "mkdocs-jupyter"

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
_MATHJAX = re.compile(r"mathjax", re.IGNORECASE)
_MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.DOTALL
)


def is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def describe(page) -> None:
    """Give the notebook's page the description stored in its metadata (for search engines)."""
    metadata = json.loads(page.markdown or "{}").get("metadata", {})
    if metadata.get("description"):
        page.meta["description"] = metadata["description"]


def _unwanted(script: str) -> bool:
    # MathJax from a CDN, and the empty <script src=""> left where its URL would go.
    return bool(_MATHJAX.search(script)) or script.startswith('<script src="">')


def clean_page(page_html: str) -> str:
    page_html = _SCRIPT.sub(lambda m: "" if _unwanted(m.group(0)) else m.group(0), page_html)
    page_html = prune_page_styles(page_html)  # JupyterLab's whole stylesheet is inlined: keep what can match
    return _MARKDOWN_CELL.sub(lambda m: m.group(1) + render_dollar_math(m.group(2)) + m.group(3), page_html)


class _Early:
    """The notebooks being rendered in the background for this build: source path -> outcome."""

    def __init__(self):
        self.done: dict[str, threading.Event] = {}
        self.errors: dict[str, BaseException] = {}


_early = _Early()


def _candidates(config):
    """The files of docs/, as MkDocs File objects, before MkDocs lists them itself."""
    from mkdocs.structure.files import File

    docs_dir = config.docs_dir
    for folder, subfolders, names in os.walk(docs_dir, followlinks=True):
        subfolders.sort()
        for name in sorted(names):
            relative = os.path.relpath(os.path.join(folder, name), docs_dir)
            yield File(relative, docs_dir, config.site_dir, config.use_directory_urls)


def start_early(config) -> None:
    """Render every notebook whose cache entry is missing, in one background thread, in page order.

    Called at pre_build, the first moment mkdocs-jupyter is ready for a page (its on_pre_build has
    run), before MkDocs lists the files. mkdocs-jupyter hands each page its rendering in on_pre_page;
    here a stand-in page gets the same hand-over, so the arguments, the cache key and the cache file
    are exactly the plugin's. Without the plugin's cache there is nowhere to leave the result, and
    the notebook renders as usual.
    """
    global _early
    _early = early = _Early()
    plugin = config.plugins.get(PLUGIN)
    if plugin is None or not plugin.config.get("cache") or not hasattr(plugin, "_used_cache_paths"):
        return
    todo = []
    for file in _candidates(config):
        if not plugin.should_include(file):
            continue
        stand_in = types.SimpleNamespace(file=file, abs_url=file.url, meta={}, title=None)
        before = set(plugin._used_cache_paths)
        plugin.on_pre_page(stand_in, config=config, files=None)
        cache_path = next(iter(plugin._used_cache_paths - before), None)
        if cache_path is None or cache_path.exists():
            continue  # a cache hit (or a second page for one notebook): nothing to wait for
        early.done[file.abs_src_path] = threading.Event()
        todo.append(stand_in)
    if todo:
        # A daemon thread: a build that fails elsewhere exits at once (the kernel notices and exits).
        threading.Thread(target=_render_all, args=(early, todo, config), name="notebooks", daemon=True).start()


def _render_all(early: _Early, todo: list, config) -> None:
    for stand_in in todo:
        path = stand_in.file.abs_src_path
        started = time.perf_counter()
        try:
            stand_in.render(config, None)  # mkdocs-jupyter's new_render: converts, writes its cache
            log.debug("Notebook %s rendered in the background in %.2f s", path, time.perf_counter() - started)
        except BaseException as exc:  # noqa: BLE001 - raised again on the page's own thread, in wait()
            early.errors[path] = exc
        finally:
            early.done[path].set()


def wait(page) -> None:
    """Before the notebook's page renders: wait for its background rendering (re-raising its error)."""
    path = page.file.abs_src_path
    event = _early.done.get(path)
    if event is None:
        return
    event.wait()
    error = _early.errors.pop(path, None)
    if error is not None:
        raise error
