"""The build report: what a build did, as data (`.cache/build-report.json`, or $SITE_BUILD_REPORT).

Tests and the benchmark read this file; nothing reads the log. One report per build (a `mkdocs serve`
rebuild starts a new one and counts up `build`). The hooks add to `current()`:

    {"build": 1, "seconds": 4.2, "execute": true,
     "snippets": {"ran": ["snippets/a.py"], "cached": [], "failed": [], "seconds": {"snippets/a.py": 0.31}},
     "lab": {"ran": ["lab.ipynb"], "cached": []}, "pages": {"rendered": ["index.md", "derivatives.md", …]},
     "stages": {"warm process start": 1.9, "snippet runs": 0.31, "cache reads": 0.0, "math": 0.02, …}}
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sitebuild import atomic

ENV = "SITE_BUILD_REPORT"


class BuildReport:
    def __init__(self, number: int = 1, execute: bool = True):
        self.number = number
        self.execute = execute
        self.started = time.perf_counter()
        self.ran: list[str] = []
        self.cached: list[str] = []
        self.failed: list[str] = []
        self.seconds: dict[str, float] = {}  # per snippet that ran
        self.stages: dict[str, float] = {}
        self.lab: dict[str, list[str]] = {"ran": [], "cached": []}  # notebooks run by sitebuild/hooks/lab.py
        self.rendered: list[str] = []  # the pages MkDocs rendered (under `mkdocs serve --dirty`, the changed ones)
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.stages[stage] = self.stages.get(stage, 0.0) + seconds

    @contextmanager
    def timed(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - start)

    def to_json(self) -> dict:
        return {
            "build": self.number,
            "seconds": round(time.perf_counter() - self.started, 3),
            "execute": self.execute,
            "snippets": {
                "ran": sorted(self.ran),
                "cached": sorted(self.cached),
                "failed": sorted(self.failed),
                "seconds": {name: self.seconds[name] for name in sorted(self.seconds)},
            },
            "lab": {kind: sorted(names) for kind, names in self.lab.items()},
            "pages": {"rendered": sorted(self.rendered)},
            "stages": {name: round(value, 3) for name, value in sorted(self.stages.items())},
        }

    def summary(self) -> str:
        """One line for people; nothing parses it."""
        if not self.execute:
            return "Snippets: execution is off (SITE_EXECUTE=0); code shown without output"
        return (
            f"Snippets: {len(self.ran)} ran, {len(self.cached)} from the cache, {len(self.failed)} failed; "
            f"snippet time {sum(self.seconds.values()):.2f} s; build so far {time.perf_counter() - self.started:.2f} s"
        )

    def write(self, path: Path) -> None:
        atomic.write_text(path, json.dumps(self.to_json(), indent=1) + "\n")  # a reader never sees half a report


def report_path(root: Path) -> Path:
    return Path(os.environ.get(ENV) or root / ".cache" / "build-report.json")


_current = BuildReport(number=0)


def begin(execute: bool) -> BuildReport:
    """A new report for a new build (the hooks of one build share it); numbered from 1 per process."""
    global _current
    _current = BuildReport(_current.number + 1, execute)
    return _current


def current() -> BuildReport:
    return _current


def read(path: Path) -> dict | None:
    """The report at `path`, or None if there is none (yet)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
