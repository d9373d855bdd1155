"""The MkDocs hook that lets a reader take a lesson home (the work is in sitebuild/downloads.py).

For every page under "Lessons" in mkdocs.yml's nav, the built site gets
    downloads/<slug>.ipynb    the page as a notebook: prose as Markdown cells, snippets as code cells
    downloads/<slug>.py       its snippets, in page order, as one script
and, once, downloads/requirements.txt, a copy of requirements-reader.txt (torch, numpy, matplotlib,
pinned as the build is). They are generated files of the build (MkDocs' File.generated): written
into the site, never into docs/, and links to them are checked like any other.

Each lesson page gets a box under its title with the two downloads, the requirements file, and the
Python and torch versions of this build, read from the running Python and torch's installed
metadata (torch itself is never imported here: that would slow every build).
"""

from __future__ import annotations

import logging
import platform
import posixpath
from importlib import metadata
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from sitebuild import downloads
from sitebuild.directive import DirectiveError

log = logging.getLogger("mkdocs.hooks.downloads")

DOWNLOADS_DIR = "downloads"
READER_REQUIREMENTS = "requirements-reader.txt"  # beside mkdocs.yml
LESSONS_SECTION = "Lessons"

_command = "build"
_lessons: dict[str, str] = {}  # src_uri of a lesson page -> its slug, for this build
_raising: set[str] = set()  # lesson pages with a snippet that raises on purpose


def on_startup(command, dirty):
    global _command
    _command = command


def build_versions() -> tuple[str, str]:
    """(Python, torch) versions of this build, without importing torch."""
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        log.warning("torch is not installed: the lesson pages cannot say which torch built them")
        torch_version = "(not installed)"
    return platform.python_version(), torch_version


def lesson_pages(nav) -> list[tuple[str, str]]:
    """(title, src_uri) of each page in the nav's "Lessons" section, in order."""
    for entry in nav or []:
        if isinstance(entry, dict) and LESSONS_SECTION in entry:
            found = []
            for item in entry[LESSONS_SECTION]:
                if isinstance(item, dict):
                    (title, src_uri), *_ = item.items()
                    if isinstance(src_uri, str) and src_uri.endswith(".md"):
                        found.append((title, src_uri))
            return found
    return []


def _slug(src_uri: str) -> str:
    return src_uri.removesuffix(".md").replace("/", "-")


def on_files(files, config):
    root = Path(config.config_file_path).resolve().parent
    site_url = config.site_url or ""
    python, torch_version = build_versions()
    _lessons.clear()
    _raising.clear()
    if not lesson_pages(config.nav):
        return files  # a site without lessons (the tests' scratch projects) has nothing to take home

    requirements = root / READER_REQUIREMENTS
    if not requirements.is_file():
        raise PluginError(f"{READER_REQUIREMENTS} is missing: the lesson downloads point readers to it")
    files.append(File.generated(config, f"{DOWNLOADS_DIR}/requirements.txt", content=requirements.read_bytes()))

    def resolve(path: str) -> str | None:
        target = files.get_file_from_path(path)
        return None if target is None else site_url + target.url

    def read_snippet(path: str) -> str:
        file = (root / path).resolve()
        if not file.is_file() or (root / "snippets").resolve() not in file.parents:
            raise PluginError(f"no snippet file {path} (paths start with snippets/)")
        return file.read_text(encoding="utf-8")

    links = "\n".join(sorted(file.src_uri for file in files))  # what resolve() can find
    for title, src_uri in lesson_pages(config.nav):
        page = files.get_file_from_path(src_uri)
        if page is None:
            continue  # MkDocs itself reports a nav entry with no page
        slug = _slug(src_uri)
        lesson = downloads.Lesson(
            title=title,
            page_url=site_url + page.url,
            requirements_url=f"{site_url}{DOWNLOADS_DIR}/requirements.txt",
            python=python,
            torch=torch_version,
        )
        markdown = page.content_string
        try:
            notebook, script, raising = downloads.lesson_downloads(
                markdown, src_uri, f"{slug}.py", lesson, read_snippet, resolve, links
            )
        except (DirectiveError, PluginError) as exc:
            if _command == "serve":  # the snippets hook shows the problem on the page; keep serving
                log.info("docs/%s: no downloads this time: %s", src_uri, exc)
                continue
            raise PluginError(f"docs/{src_uri}: cannot make its downloads: {exc}") from exc
        files.append(File.generated(config, f"{DOWNLOADS_DIR}/{slug}.ipynb", content=notebook))
        files.append(File.generated(config, f"{DOWNLOADS_DIR}/{slug}.py", content=script))
        _lessons[src_uri] = slug
        if raising:
            _raising.add(src_uri)
    return files


def download_box(src_uri: str, slug: str, python: str, torch_version: str, raising: bool) -> str:
    """The Markdown of the box under a lesson's title."""
    here = posixpath.dirname(src_uri) or "."

    def link(name: str) -> str:
        return posixpath.relpath(f"{DOWNLOADS_DIR}/{name}", here)

    lines = [
        '!!! info lesson-downloads "Take this lesson home"',
        "",
        f'    Run it in your own Python: download it as a [Jupyter notebook]({link(slug + ".ipynb")})'
        f'{{ download="{slug}.ipynb" }} or a [Python script]({link(slug + ".py")}){{ download="{slug}.py" }},'
        f' and install what they need with `pip install -r requirements.txt` using this'
        f' [requirements.txt]({link("requirements.txt")}){{ download="requirements.txt" }}.'
        f" This site was built with Python {python} and torch {torch_version}.",
    ]
    if raising:
        lines.append(
            "    Cells that raise an error on purpose are tagged `raises-exception` in the notebook,"
            " so Run All goes on past them; the script catches those errors and prints their last line."
        )
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown, page, config, files):
    slug = _lessons.get(page.file.src_uri)
    if slug is None:
        return markdown
    python, torch_version = build_versions()
    box = download_box(page.file.src_uri, slug, python, torch_version, page.file.src_uri in _raising)
    end = downloads.title_end(markdown)
    return markdown[:end] + "\n" + box + "\n" + markdown[end:]

