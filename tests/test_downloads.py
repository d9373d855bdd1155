"""Take a lesson home: each lesson as a notebook and a script (sitebuild/downloads.py and its hook).

On the real site (the `built_site` fixture):
- every lesson has downloads/<slug>.ipynb and downloads/<slug>.py, and its page links both, the
  reader requirements file, and says which Python and torch built it (the ones running this test);
- the notebook's code cells are the snippet files, byte for byte, in page order; executed with
  nbclient in an empty folder, each cell prints what the page shows under that snippet, and the
  cells that raise on purpose are tagged `raises-exception` and end in the page's exception;
- the script, run with `python` in an empty folder, prints each snippet's output in page order.
Without a build: the Markdown -> notebook conversion and the script's try/except, on small pages.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from pages import read_snippets
from test_lesson_structure import LESSONS

from sitebuild import downloads
from sitebuild.directive import find_directives
from sitebuild.runner import normalize_output

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 300  # seconds: the first cell of a kernel imports torch, on a slow CI machine


def _directives(slug: str):
    return find_directives((ROOT / "docs" / f"{slug}.md").read_text(encoding="utf-8"))


def _page(site: Path, slug: str) -> str:
    return (site / slug / "index.html").read_text(encoding="utf-8")


def _stdout(cell) -> str:
    return "".join(out.text for out in cell.outputs if out.output_type == "stream" and out.name == "stdout")


# ---- the built site ------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_page_links_its_downloads_and_names_the_builds_versions(slug, built_site):
    page = _page(built_site, slug)
    for name in (f"{slug}.ipynb", f"{slug}.py", "requirements.txt"):
        assert f'href="../downloads/{name}"' in page, f"{slug}: no link to downloads/{name}"
        assert (built_site / "downloads" / name).is_file()
    assert f"Python {platform.python_version()} and torch {torch.__version__}" in page
    if any(item.raises for item in _directives(slug)):
        assert "raises-exception" in page, "the page says how the notebook treats snippets that raise"


def test_downloaded_requirements_are_the_reader_requirements(built_site):
    reader = (ROOT / "requirements-reader.txt").read_bytes()
    assert (built_site / "downloads" / "requirements.txt").read_bytes() == reader


@pytest.mark.parametrize("slug", LESSONS)
def test_notebook_code_cells_are_the_snippet_files_in_page_order(slug, built_site):
    raw = json.loads((built_site / "downloads" / f"{slug}.ipynb").read_text(encoding="utf-8"))
    code = [cell for cell in raw["cells"] if cell["cell_type"] == "code"]
    directives = _directives(slug)
    assert [cell["metadata"]["snippet"] for cell in code] == [item.path for item in directives]
    for cell, item in zip(code, directives):
        assert "".join(cell["source"]) == (ROOT / item.path).read_text(encoding="utf-8"), item.path
        tags = cell["metadata"].get("tags", [])
        assert ("raises-exception" in tags) == bool(item.raises), item.path
    prose = "".join("".join(cell["source"]) for cell in raw["cells"] if cell["cell_type"] == "markdown")
    assert "@snippet" not in prose and "!!!" not in prose and "???" not in prose
    assert not re.search(r"\]\((?!https?://)[^)]*\.md\b", prose), "a relative link to a page is left"


@pytest.fixture(scope="module")
def executed(built_site, tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """Every lesson's notebook, executed by nbclient in an empty folder of its own, two at a time."""

    def execute(slug: str) -> nbformat.NotebookNode:
        notebook = nbformat.read(built_site / "downloads" / f"{slug}.ipynb", as_version=4)
        folder = tmp_path_factory.mktemp(f"notebook-{slug}")
        client = NotebookClient(
            notebook, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        client.execute()  # raises CellExecutionError on an error in a cell that is not tagged
        assert not any(folder.iterdir()), f"{slug}: the notebook wrote files"
        return notebook

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(LESSONS, pool.map(execute, LESSONS)))


@pytest.mark.parametrize("slug", LESSONS)
def test_every_notebook_cell_prints_what_the_page_shows(slug, built_site, executed):
    shown = read_snippets(_page(built_site, slug))
    code = [cell for cell in executed[slug].cells if cell.cell_type == "code"]
    for cell, item in zip(code, _directives(slug), strict=True):
        assert normalize_output(_stdout(cell)) == normalize_output(shown.output.get(item.path) or ""), item.path
        results = [out for out in cell.outputs if out.output_type == "execute_result"]
        assert not results, f"{item.path}: the notebook shows a value the page does not"
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if not item.raises:
            assert not errors, item.path
            continue
        assert "raises-exception" in cell.metadata.tags
        assert [error.ename for error in errors] == [item.raises], item.path
        last_line = normalize_output(f"{errors[0].ename}: {errors[0].evalue}")
        assert last_line in normalize_output(shown.warnings.get(item.path, "")), f"{item.path}: not the page's error"


@pytest.mark.parametrize("slug", LESSONS)
def test_script_prints_every_snippets_output_in_page_order(slug, built_site, executed, tmp_path):
    done = subprocess.run(
        [sys.executable, str(built_site / "downloads" / f"{slug}.py")],
        cwd=tmp_path,  # an empty folder
        env=dict(os.environ, MPLBACKEND="Agg"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    # stdout: "==> path" then that snippet's output, for every snippet in page order
    parts = re.split(r"^==> (\S+)\n", done.stdout, flags=re.MULTILINE)
    assert parts[0] == ""
    printed = dict(zip(parts[1::2], parts[2::2]))
    directives = _directives(slug)
    assert parts[1::2] == [item.path for item in directives]
    shown = read_snippets(_page(built_site, slug))
    for item in directives:
        assert normalize_output(printed[item.path]) == normalize_output(shown.output.get(item.path) or ""), item.path
    # stderr: the last line of each error raised on purpose, the notebook's and the page's
    raised = [out for cell in executed[slug].cells if cell.cell_type == "code" for out in cell.outputs]
    for error in (out for out in raised if out.output_type == "error"):
        assert normalize_output(f"{error.ename}: {error.evalue}") in normalize_output(done.stderr)


# ---- the conversion, on small pages (no build) ---------------------------------------------------

PAGE = '''\
---
description: "A page to test the conversion."
---

# A lesson

Intro with $x^2$, a [page](other.md#part), an [anchor](#fix), [home](index.md) and
`[code](other.md)`.

@snippet snippets/a/one.py

!!! warning "Careful with `x`"

    Before the snippet.

    @snippet snippets/a/two.py raises=RuntimeError

    After the snippet.

## The fix {#fix}

??? success

    @snippet snippets/a/three.py

```text
@snippet snippets/not/a/directive.py
!!! note "not an admonition either"
```

<div class="tangent-slider" data-record="x" data-title="Slide along"></div>

Next: [Other](sub/../other.md).
'''
SNIPPETS = {
    "snippets/a/one.py": "print('one')\n",
    "snippets/a/two.py": "print('two')\nraise RuntimeError('on purpose')\n",
    "snippets/a/three.py": "import sys\n\nprint('three', file=sys.stdout)\n",
}
SITE = "https://example.org/site/"
LESSON = downloads.Lesson("A lesson", SITE + "lesson/", SITE + "downloads/requirements.txt", "3.11.0", "2.0.0")
URLS = {"other.md": SITE + "other/", "index.md": SITE}


def test_page_becomes_markdown_and_code_cells_in_order():
    notebook = downloads.lesson_notebook(PAGE, "lesson.md", LESSON, SNIPPETS.__getitem__, URLS.get)
    kinds = [(cell.cell_type, cell.source if cell.cell_type == "code" else None) for cell in notebook.cells]
    assert kinds == [
        ("markdown", None),
        ("code", SNIPPETS["snippets/a/one.py"]),
        ("markdown", None),
        ("code", SNIPPETS["snippets/a/two.py"]),
        ("markdown", None),
        ("code", SNIPPETS["snippets/a/three.py"]),
        ("markdown", None),
    ]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.metadata.get("tags", []) for cell in code] == [[], ["raises-exception"], []]
    first, careful, after, last = (cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert first.startswith("# A lesson\n\n*This notebook is the lesson [A lesson](https://example.org/site/lesson/)")
    assert "Python 3.11.0 and torch 2.0.0" in first
    assert "pip install -r https://example.org/site/downloads/requirements.txt" in first
    assert "raises-exception" in first
    assert "description:" not in first
    assert "Intro with $x^2$, a [page](https://example.org/site/other/#part)" in first
    assert "[anchor](https://example.org/site/lesson/#fix)" in first and "[home](https://example.org/site/)" in first
    assert "`[code](other.md)`" in first  # code is left alone
    assert careful == "**Careful with `x`**\n\nBefore the snippet."
    assert after == "After the snippet.\n\n## The fix\n\n**Success**"
    assert last.startswith('```text\n@snippet snippets/not/a/directive.py\n!!! note "not an admonition either"\n```')
    assert "*Interactive on the site: [Slide along](https://example.org/site/lesson/)*" in last
    assert last.endswith("Next: [Other](https://example.org/site/other/).")
    nbformat.validate(notebook)
    assert downloads.notebook_text(notebook) == downloads.notebook_text(
        downloads.lesson_notebook(PAGE, "lesson.md", LESSON, SNIPPETS.__getitem__, URLS.get)
    ), "the same page gives the same file"


def test_script_runs_every_snippet_and_goes_on_past_the_ones_that_raise(tmp_path):
    snippets = dict(
        SNIPPETS,
        **{
            "snippets/a/three.py": textwrap.dedent('''\
                class CustomError(Exception):
                    pass

                text = """two
                lines"""
                print(text)
                raise CustomError("not a builtin")
            '''),
        },
    )
    page = PAGE.replace("@snippet snippets/a/three.py", "@snippet snippets/a/three.py raises=CustomError")
    script = tmp_path / "lesson.py"
    script.write_text(downloads.lesson_script(page, "lesson.py", LESSON, snippets.__getitem__), encoding="utf-8")
    done = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "==> snippets/a/one.py\none\n==> snippets/a/two.py\ntwo\n==> snippets/a/three.py\ntwo\nlines\n"
    )
    assert done.stderr == "RuntimeError: on purpose\nCustomError: not a builtin\n"
    text = script.read_text(encoding="utf-8")
    assert "# %% snippets/a/two.py (raises RuntimeError on purpose)" in text
    assert "pip install -r https://example.org/site/downloads/requirements.txt" in text


def test_an_unexpected_error_still_stops_the_script(tmp_path):
    snippets = dict(SNIPPETS, **{"snippets/a/two.py": "raise ValueError('not the one the page expects')\n"})
    script = tmp_path / "lesson.py"
    script.write_text(downloads.lesson_script(PAGE, "lesson.py", LESSON, snippets.__getitem__), encoding="utf-8")
    done = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "ValueError: not the one the page expects" in done.stderr
