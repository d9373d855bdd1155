"""Run `mkdocs serve` as a child process and follow its log: for the serve tests and the benchmark.

    server = ServeProcess(project_dir, env)
    server.wait_for("Serving on")
    line = server.wait_for("Snippets: 1 ran", after=mark)
    seconds = server.until_served("", "new output")
    server.stop()
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


class ServeError(RuntimeError):
    """mkdocs serve exited, or never logged or served what was waited for; the message holds its log."""


class ServeProcess:
    def __init__(self, root: Path, env: dict):
        self.root = root  # the project served (its .cache/ holds the build report)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            # As the README serves: --livereload (with click >= 8.2, MkDocs 1.6 turns reloading off unless
            # asked) and --dirty (a rebuild renders only the pages that changed or show a changed snippet).
            [sys.executable, "-m", "mkdocs", "serve", "--livereload", "--dirty", "-a", f"127.0.0.1:{self.port}"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, after: int = 0, deadline: float = 120) -> int:
        """Wait until a log line after index `after` contains `text`; return that line's index."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            if self.process.poll() is not None:
                raise ServeError("mkdocs serve exited:\n" + "".join(self.lines))
            time.sleep(0.02)
        raise ServeError(f"no log line with {text!r}:\n" + "".join(self.lines))

    @property
    def base_url(self) -> str:
        """Where the site is served, under site_url's path (from the "Serving on" log line)."""
        line = self.lines[self.wait_for("Serving on")]
        return line.split("Serving on ", 1)[1].strip()

    def fetch(self, path: str = "") -> str:
        """The page at `path` below base_url; raises unless it answers 200."""
        with urllib.request.urlopen(self.base_url + path, timeout=30) as response:
            if response.status != 200:
                raise ServeError(f"{path!r} answered {response.status}")
            return response.read().decode()

    def until_served(self, path: str, text: str, deadline: float = 120) -> float:
        """Poll the page until it contains `text`; return the seconds that took."""
        started = time.perf_counter()
        while True:
            try:
                if text in self.fetch(path):
                    return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError):
                pass  # between rebuilds the server may not answer yet
            if time.perf_counter() - started > deadline:
                raise ServeError(f"never served {text!r}:\n" + "".join(self.lines[-30:]))
            time.sleep(0.02)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
