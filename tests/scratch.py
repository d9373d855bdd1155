"""Small throwaway MkDocs projects that use the real hooks, for testing the build's behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from sitebuild import report

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
site_name: Scratch
strict: true
theme:
  name: material
  font: false
markdown_extensions:
  - admonition
  - pymdownx.superfences
  - pymdownx.highlight
  - pymdownx.arithmatex:
      generic: true
hooks:
{hooks}
"""


def site_hooks() -> list[Path]:
    """The hooks of the site's own mkdocs.yml, in its order."""
    lines = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nhooks:\n", 1)[1].splitlines()
    hooks = []
    for line in lines:
        if not line.startswith("  - "):
            break
        hooks.append(ROOT / line[4:].split("#")[0].strip())
    return hooks


def make_project(root: Path, pages: dict[str, str], snippets: dict[str, str]) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(CONFIG.format(hooks="\n".join(f"  - {hook}" for hook in site_hooks())), encoding="utf-8")
    for name, text in pages.items():
        (root / "docs" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    for name, text in snippets.items():
        path = root / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def build_report(root: Path) -> dict | None:
    """The report of the project's last build (sitebuild/report.py), or None before its first."""
    return report.read(report.report_path(root))


def counts(root: Path) -> tuple[int, int]:
    """(snippets that ran, snippets from the cache) in the project's last build."""
    snippets = build_report(root)["snippets"]
    return len(snippets["ran"]), len(snippets["cached"])


def mkdocs(root: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
