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
