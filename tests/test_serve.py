"""`mkdocs serve` on a scratch project: edits re-run only what changed, and errors don't stop it.

No timing is asserted here (benchmarks/build_speed.py measures the latency); the deadlines below
only keep a broken server from hanging the suite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from scratch import make_project

PAGES = {"index.md": "# Serve\n\n@snippet snippets/a.py\n\n@snippet snippets/b.py\n"}
SNIPPETS = {"a.py": 'print("a, version 1")\n', "b.py": 'print("b, version 1")\n'}


class Server:
    def __init__(self, root):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000")
        self.process = subprocess.Popen(
            # --livereload: with click >= 8.2, MkDocs 1.6 turns reloading off unless it is asked for.
            [sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{self.port}"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, after: int = 0, deadline: float = 120) -> int:
        """Wait until a log line after index `after` contains `text`; return that line's index."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            assert self.process.poll() is None, "mkdocs serve exited:\n" + "".join(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"no log line with {text!r}:\n" + "".join(self.lines))

    def page(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=10) as response:
            assert response.status == 200
            return response.read().decode()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def server(tmp_path):
    project = make_project(tmp_path, PAGES, SNIPPETS)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "watch:\n  - snippets\n", encoding="utf-8")
    server = Server(project)
    server.project = project
    server.wait_for("Serving on")
    yield server
    server.stop()


def test_saving_a_snippet_reruns_only_that_snippet(server):
    first = server.wait_for("Snippets: 2 ran, 0 from the cache")
    assert "a, version 1" in server.page()
    (server.project / "snippets" / "a.py").write_text('print("a, version 2")\n', encoding="utf-8")
    line = server.wait_for("Snippets: 1 ran, 1 from the cache", after=first + 1)
    assert "Snippets that ran: snippets/a.py\n" in server.lines[line + 1]
    server.wait_for("Reloading browsers", after=line)
    page = server.page()
    assert "a, version 2" in page and "b, version 1" in page


def test_saving_a_page_runs_no_snippet(server):
    first = server.wait_for("Snippets: 2 ran, 0 from the cache")
    page = server.project / "docs" / "index.md"
    page.write_text(page.read_text() + "\nOne more sentence.\n", encoding="utf-8")
    server.wait_for("Snippets: 0 ran, 2 from the cache", after=first + 1)
    server.wait_for("Reloading browsers", after=first + 1)
    assert "One more sentence." in server.page()


def test_a_broken_snippet_is_reported_and_serving_goes_on(server):
    first = server.wait_for("Snippets: 2 ran, 0 from the cache")
    snippet = server.project / "snippets" / "b.py"
    snippet.write_text('print("b")\nraise ValueError("broken on purpose")\n', encoding="utf-8")
    message = "snippets/b.py:2: ValueError: broken on purpose (used by docs/index.md, line 5)"
    error = server.wait_for(message, after=first)
    error = server.wait_for("Reloading browsers", after=error)
    page = server.page()  # still serving, and the page itself says what broke
    assert "This snippet failed" in page and message in page
    assert "a, version 1" in page
    mark = len(server.lines)
    snippet.write_text('print("b, fixed")\n', encoding="utf-8")
    fixed = server.wait_for("Snippets: 1 ran, 1 from the cache", after=mark)
    server.wait_for("Reloading browsers", after=fixed)
    page = server.page()
    assert "b, fixed" in page and "This snippet failed" not in page
