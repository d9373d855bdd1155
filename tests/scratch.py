"""Small throwaway MkDocs projects that use the real hook, for testing the build's behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
  - {hook}
"""


def make_project(root: Path, pages: dict[str, str], snippets: dict[str, str]) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(CONFIG.format(hook=ROOT / "sitebuild" / "hook.py"), encoding="utf-8")
    for name, text in pages.items():
        (root / "docs" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    for name, text in snippets.items():
        path = root / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


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
