"""`mkdocs serve` on a scratch project: edits re-run only what changed, and errors don't stop it.

No timing is asserted here (benchmarks/build_speed.py measures the latency); the deadlines below
only keep a broken server from hanging the suite.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from scratch import build_report, make_project
from sitebuild.serve_process import ServeProcess

PAGES = {"index.md": "# Serve\n\n@snippet snippets/a.py\n\n@snippet snippets/b.py\n"}
SNIPPETS = {"a.py": 'print("a, version 1")\n', "b.py": 'print("b, version 1")\n'}


@pytest.fixture
def server(tmp_path):
    project = make_project(tmp_path, PAGES, SNIPPETS)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "watch:\n  - snippets\n", encoding="utf-8")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000")
    server = ServeProcess(project, env)
    server.project = project
    server.wait_for("Serving on")
    yield server
    server.stop()


def wait_for_build(server, number: int, deadline: float = 120) -> tuple[dict, int]:
    """The report of the server's build `number` (1: the first, 2: the first rebuild …) once written,
    with how many log lines there were then."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        report = build_report(server.project)
        if report is not None and report["build"] >= number:
            assert report["build"] == number, f"expected build {number}, got {report['build']}"
            return report, len(server.lines)
        time.sleep(0.1)
    raise AssertionError(f"no report of build {number} within {deadline} s:\n" + "".join(server.lines[-30:]))


def ran_and_cached(report: dict) -> tuple[list[str], int]:
    return report["snippets"]["ran"], len(report["snippets"]["cached"])


def test_saving_a_snippet_reruns_only_that_snippet(server):
    report, first = wait_for_build(server, 1)
    assert ran_and_cached(report) == (["snippets/a.py", "snippets/b.py"], 0)
    assert "a, version 1" in server.fetch()
    (server.project / "snippets" / "a.py").write_text('print("a, version 2")\n', encoding="utf-8")
    report, line = wait_for_build(server, 2)
    assert ran_and_cached(report) == (["snippets/a.py"], 1)
    server.wait_for("Reloading browsers", after=first)
    page = server.fetch()
    assert "a, version 2" in page and "b, version 1" in page


def test_saving_a_page_runs_no_snippet(server):
    report, first = wait_for_build(server, 1)
    assert ran_and_cached(report) == (["snippets/a.py", "snippets/b.py"], 0)
    page = server.project / "docs" / "index.md"
    page.write_text(page.read_text() + "\nOne more sentence.\n", encoding="utf-8")
    report, _ = wait_for_build(server, 2)
    assert ran_and_cached(report) == ([], 2)
    server.wait_for("Reloading browsers", after=first)
    assert "One more sentence." in server.fetch()


def test_a_broken_snippet_is_reported_and_serving_goes_on(server):
    report, first = wait_for_build(server, 1)
    assert ran_and_cached(report) == (["snippets/a.py", "snippets/b.py"], 0)
    snippet = server.project / "snippets" / "b.py"
    snippet.write_text('print("b")\nraise ValueError("broken on purpose")\n', encoding="utf-8")
    message = "snippets/b.py:2: ValueError: broken on purpose (used by docs/index.md, line 5)"
    error = server.wait_for(message, after=first)
    error = server.wait_for("Reloading browsers", after=error)
    page = server.fetch()  # still serving, and the page itself says what broke
    assert "This snippet failed" in page and message in page
    assert "a, version 1" in page
    assert build_report(server.project)["snippets"]["failed"] == ["snippets/b.py"]
    mark = len(server.lines)
    snippet.write_text('print("b, fixed")\n', encoding="utf-8")
    report, _ = wait_for_build(server, 3)
    assert ran_and_cached(report) == (["snippets/b.py"], 1)
    server.wait_for("Reloading browsers", after=mark)
    page = server.fetch()
    assert "b, fixed" in page and "This snippet failed" not in page


def test_an_unreadable_snippet_or_a_bad_directive_is_shown_and_serving_goes_on(server):
    report, first = wait_for_build(server, 1)
    assert ran_and_cached(report) == (["snippets/a.py", "snippets/b.py"], 0)
    (server.project / "snippets" / "b.py").write_bytes(b"print('\xff')\n")  # not UTF-8, no coding line
    message = "docs/index.md, line 5: cannot read snippets/b.py as Python does"
    error = server.wait_for(message, after=first)
    server.wait_for("Reloading browsers", after=error)
    page = server.fetch()
    assert "This snippet failed" in page and message in page and "a, version 1" in page
    mark = len(server.lines)
    source = server.project / "docs" / "index.md"
    source.write_text(source.read_text() + '\n@snippet snippets/a.py alt="never closed\n', encoding="utf-8")
    message = "docs/index.md, line 7: cannot read '@snippet snippets/a.py"
    error = server.wait_for(message, after=mark)
    server.wait_for("Reloading browsers", after=error)
    page = server.fetch()
    assert "This snippet failed" in page and message in page


TWO_PAGES = {"index.md": "# Home\n\n@snippet snippets/a.py\n", "other.md": "# Other\n\n@snippet snippets/b.py\n"}


@pytest.fixture
def two_page_server(tmp_path):
    project = make_project(tmp_path, TWO_PAGES, SNIPPETS)
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "watch:\n  - snippets\n", encoding="utf-8")
    server = ServeProcess(project, env)
    server.project = project
    server.wait_for("Serving on")
    yield server
    server.stop()


def test_a_saved_snippet_renders_only_the_page_that_shows_it_and_search_keeps_every_page(two_page_server):
    server = two_page_server
    report, first = wait_for_build(server, 1)
    assert report["pages"]["rendered"] == ["index.md", "other.md"]
    (server.project / "snippets" / "b.py").write_text('print("b, version 2")\n', encoding="utf-8")
    report, _ = wait_for_build(server, 2)
    assert ran_and_cached(report) == (["snippets/b.py"], 1)
    assert report["pages"]["rendered"] == ["other.md"]  # --dirty: the home page was not rendered again
    server.wait_for("Reloading browsers", after=first)
    assert "b, version 2" in server.fetch("other/") and "a, version 1" in server.fetch()
    # Material's search plugin keeps the entries of the pages not rendered this time.
    index = json.loads(server.fetch("search/search_index.json"))
    pages = {entry["location"].split("#")[0] for entry in index["docs"]}
    assert pages == {"", "other/"}
    assert "strict mode" not in "".join(server.lines)  # the dirty warning did not fail the rebuild


def test_a_snippet_edited_and_then_reverted_is_shown_as_it_is_again(two_page_server):
    """Version 1's result is still cached after the revert: the page must be rendered again anyway."""
    server = two_page_server
    report, mark = wait_for_build(server, 1)
    snippet = server.project / "snippets" / "b.py"
    original = snippet.read_text(encoding="utf-8")
    snippet.write_text('print("b, version 2")\n', encoding="utf-8")
    wait_for_build(server, 2)
    server.wait_for("Reloading browsers", after=mark)
    assert "b, version 2" in server.fetch("other/")
    mark = len(server.lines)
    snippet.write_text(original, encoding="utf-8")
    report, _ = wait_for_build(server, 3)
    assert ran_and_cached(report) == ([], 2) and report["pages"]["rendered"] == ["other.md"]
    server.wait_for("Reloading browsers", after=mark)
    assert "b, version 1" in server.fetch("other/")
