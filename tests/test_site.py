"""The real site: every snippet is on a page, and what a page shows is what the file prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pages import read_snippets
from sitebuild.directive import find_directives
from sitebuild.runner import normalize_output

ROOT = Path(__file__).resolve().parent.parent
SNIPPET_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "snippets").rglob("*.py"))


def _shown_on_pages(site: Path):
    """Every snippet block of every built page: path -> (page, code shown, output shown)."""
    shown = {}
    for page in sorted(site.rglob("*.html")):
        reader = read_snippets(page.read_text(encoding="utf-8"))
        for path, code in reader.code.items():
            if path.startswith("snippets/"):
                shown[path] = (page, code, reader.output.get(path), reader.warnings.get(path, ""))
    return shown


def test_every_snippet_is_used_by_a_page():
    used = set()
    for page in (ROOT / "docs").rglob("*.md"):
        used |= {d.path for d in find_directives(page.read_text(encoding="utf-8"))}
    assert sorted(set(SNIPPET_FILES) - used) == []


def test_every_snippet_ends_with_one_newline():
    """The copy button copies the code block's text, which ends with exactly one newline."""
    for name in SNIPPET_FILES:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n"), name


@pytest.mark.parametrize("name", SNIPPET_FILES)
def test_snippet_run_with_python_prints_what_its_page_shows(name, built_site, tmp_path):
    """The copy-paste promise: `python snippets/x/y.py` in an empty folder prints the page's output."""
    shown = _shown_on_pages(built_site)
    assert name in shown, f"{name} is on no built page"
    page, code, output, shown_stderr = shown[name]
    assert code == (ROOT / name).read_text(encoding="utf-8"), f"the code on {page} differs from {name}"
    done = subprocess.run(
        [sys.executable, str(ROOT / name)],
        cwd=tmp_path,  # an empty folder
        env=dict(os.environ, MPLBACKEND="Agg"),  # plt.show() returns at once instead of opening a window
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert normalize_output(done.stdout) == (output or "")
    if done.returncode != 0:  # only a snippet the page marks as raising may fail, with that error
        last_line = done.stderr.strip().splitlines()[-1]
        assert last_line in shown_stderr, done.stderr


def test_every_figure_links_to_its_full_size_image(built_site):
    """On a phone a figure's labels are small: each image opens its own file (SVG, or PNG for the lab), which exists in the site."""
    figures = 0
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for href, src in re.findall(r'<a href="([^"]+)"><img src="([^"#]+)#only-(?:light|dark)"', text):
            figures += 1
            assert href == src, f"{page}: the link and the image differ"
            assert (page.parent / href).resolve().is_file(), f"{page}: {href} is missing"
        assert text.count('<figure class="snippet-figure">') * 2 == len(re.findall(r'<a href="[^"]+"><img', text)), page
    assert figures >= 2 * 7  # the lessons' five figures and the lab's two at least, light and dark


def test_search_index_has_no_stray_pilcrows(built_site):
    """Heading anchors ("¶") are links, not words: search results must not show them."""
    index = (built_site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "¶" not in index and "\\u00b6" not in index


def test_every_snippet_title_links_to_its_source_in_the_repository(built_site):
    repository = "https://github.com/autograd-lessons/derivatives-in-pytorch/blob/main/"
    linked = set()
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        titles = re.findall(r'<span class="filename">(.*?)</span>', text)
        for title in (title for title in titles if "snippets/" in title):
            match = re.fullmatch(r'<a href="([^"]+)">(snippets/[^<]+)</a>', title)
            assert match, f"{page}: a snippet title without its source link: {title}"
            assert match.group(1) == repository + match.group(2)
            linked.add(match.group(2))
    assert linked == set(SNIPPET_FILES)


def test_every_script_file_loads_deferred(built_site):
    """A script at the end of <body> without `defer` runs as one long task after the first paint: on
    the long lessons Material's start-up was most of Lighthouse's blocking time (docs/overrides)."""
    for page in sorted(built_site.rglob("*.html")):
        tags = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", page.read_text(encoding="utf-8"))
        assert any("bundle." in tag for tag in tags), page  # the theme's bundle is still there
        for tag in tags:
            assert re.search(r"\s(defer|async)\b", tag), f"{page}: {tag}"
