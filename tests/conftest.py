import os
import subprocess
import sys
from pathlib import Path

import pytest

# sitebuild and tools are installed (pyproject.toml, `-e .` in requirements.txt); pytest puts tests/ on the
# path for `from helpers import ...` itself (rootdir-relative imports, tests/ has no __init__.py).
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real site, built once per test session with `mkdocs build` (strict mode, as CI builds it)."""
    site = tmp_path_factory.mktemp("built") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return site


@pytest.fixture(scope="session")
def browser():
    """One chromium for every browser test module: playwright's sync API allows one running instance
    per process, so a second module starting its own would fail inside the first one's event loop."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()
