"""Two clean builds of the same commit are byte-identical, even when built on different days."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _build(tmp_path: Path, name: str, clock: list[str]) -> Path:
    site = tmp_path / name
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}  # the hook takes it from git
    report = tmp_path / f"report-{name}.json"
    env.update(NO_MKDOCS_2_WARNING="1", SNIPPET_CACHE=str(tmp_path / f"cache-{name}"), SITE_BUILD_REPORT=str(report))  # cold: run everything
    done = subprocess.run(
        [*clock, sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text())["snippets"]["ran"]  # really a cold build
    return site


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_clean_builds_on_different_days_are_identical(tmp_path):
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.skip("faketime is missing: apt-get install faketime (.ci/run installs it)")
    today = _tree(_build(tmp_path, "today", []))
    later = _tree(_build(tmp_path, "later", [faketime, "-f", "+400d"]))
    assert sorted(today) == sorted(later)
    differing = [name for name in today if today[name] != later[name]]
    assert differing == []
    assert "sitemap.xml" in today and any(name.startswith("assets/figures/") for name in today)
