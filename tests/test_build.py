"""How `mkdocs build` treats good and bad snippets, on small scratch projects using the real hooks."""

from __future__ import annotations

import json
import re

from pages import read_snippets
from scratch import build_report, counts, make_project, mkdocs

GOOD = {
    "hello.py": 'print("<script>alert(1)</script> & more")\n',
    "plot.py": """
        import matplotlib.pyplot as plt
        plt.plot([0, 1, 2], [0, 1, 4], label="x squared")
        plt.legend()
        plt.show()
    """,
    "raises.py": """
        import torch
        x = torch.ones(3, requires_grad=True)
        print("shape:", tuple(x.shape))
        (x * 2).backward()
    """,
}

GOOD_PAGE = """
    # Good

    Inline $\\frac{dy}{dx} = 2x$.

    @snippet snippets/hello.py

    !!! note "Nested"

        @snippet snippets/plot.py alt="A parabola through three points"

    @snippet snippets/raises.py raises=RuntimeError

    ```text
    @snippet snippets/inside/a/fence/is/left/alone.py
    ```
"""


def test_good_build_renders_code_output_figures_and_math(tmp_path):
    project = make_project(tmp_path, {"index.md": GOOD_PAGE}, GOOD)
    done = mkdocs(project, "build")
    assert done.returncode == 0, done.stderr
    assert counts(project) == (3, 0)
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    snippets = read_snippets(page)

    # Code: titled with its path and byte-identical to the file.
    for name in GOOD:
        assert snippets.code[f"snippets/{name}"] == (project / "snippets" / name).read_text(encoding="utf-8")

    # Output is escaped: a printed <script> is text, never markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script>alert(1)" not in page
    assert snippets.output["snippets/hello.py"] == "<script>alert(1)</script> & more\n"

    # An expected exception shows its last line under the output printed before it.
    assert snippets.output["snippets/raises.py"] == "shape: (3,)\n"
    assert "RuntimeError: grad can be implicitly created only for scalar outputs" in snippets.warnings["snippets/raises.py"]

    # Figures: a light and a dark variant, written into the site (never into docs/), with alt text.
    images = re.findall(r'<img src="([^"]+)" alt="A parabola through three points"', page)
    assert [src.rsplit("#", 1)[1] for src in images] == ["only-light", "only-dark"]
    for src in images:
        assert (project / "site" / src.split("#")[0]).is_file()
    assert sorted(p.name for p in (project / "docs").iterdir()) == ["index.md"]

    # Math is MathML, with no TeX left behind.
    assert "<math" in page and "\\frac" not in page

    # The fenced example stays as it was written.
    assert "@snippet snippets/inside/a/fence/is/left/alone.py" in page


def test_rebuild_takes_every_snippet_from_the_cache(tmp_path):
    project = make_project(tmp_path, {"index.md": GOOD_PAGE}, GOOD)
    assert mkdocs(project, "build").returncode == 0
    again = mkdocs(project, "build")
    assert again.returncode == 0, again.stderr
    assert counts(project) == (0, 3)
    assert build_report(project)["snippets"]["cached"] == [f"snippets/{name}" for name in sorted(GOOD)]


def _failing_build(tmp_path, snippet: str, page: str = "@snippet snippets/bad.py\n", env=None):
    project = make_project(tmp_path, {"index.md": "# Page\n\n" + page}, {"bad.py": snippet})
    (project / "site").mkdir()
    (project / "site" / "index.html").write_text("an old page that looks fine", encoding="utf-8")
    done = mkdocs(project, "build", env=env)
    assert done.returncode != 0
    assert not (project / "site").exists(), "a failed build must not leave a site behind"
    return done.stderr


def test_raising_snippet_fails_the_build_with_file_line_and_page(tmp_path):
    stderr = _failing_build(tmp_path, 'print("ok")\nvalue = 1 / 0\n')
    assert "snippets/bad.py:2: ZeroDivisionError: division by zero (used by docs/index.md, line 3)" in stderr


def test_syntax_error_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, "x = 1\ny = (2\n")
    assert re.search(r"snippets/bad\.py:\d: SyntaxError", stderr)
    assert "docs/index.md" in stderr


def test_timeout_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, "import time\ntime.sleep(30)\n", env={"SNIPPET_TIMEOUT": "2"})
    assert "snippets/bad.py: TimeoutError: the snippet did not finish: it ran longer than the 2 s timeout" in stderr


def test_missing_snippet_file_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, 'print("unused")\n', page="@snippet snippets/not_there.py\n")
    assert "docs/index.md, line 3: no snippet file snippets/not_there.py (paths start with snippets/)" in stderr


def test_expected_exception_that_never_comes_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, 'print("fine")\n', page="@snippet snippets/bad.py raises=RuntimeError\n")
    assert "snippets/bad.py: expected to raise RuntimeError, but it finished without an exception" in stderr


def test_other_exception_than_expected_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, "raise KeyError('k')\n", page="@snippet snippets/bad.py raises=RuntimeError\n")
    assert "snippets/bad.py:1: KeyError: 'k'" in stderr


def test_figure_without_alt_text_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n")
    assert 'give it alt text: @snippet … alt="what the figure shows"' in stderr


def test_unknown_directive_option_fails_the_build(tmp_path):
    stderr = _failing_build(tmp_path, 'print("x")\n', page="@snippet snippets/bad.py colour=red\n")
    assert "unknown option 'colour=red'" in stderr


def test_execution_switch_renders_code_without_running(tmp_path):
    project = make_project(tmp_path, {"index.md": "# Page\n\n@snippet snippets/slow.py\n"}, {"slow.py": "raise SystemExit(3)\n"})
    done = mkdocs(project, "build", env={"SITE_EXECUTE": "0"})
    assert done.returncode == 0, done.stderr
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert read_snippets(page).code == {"snippets/slow.py": "raise SystemExit(3)\n"}
    assert "snippet-output" not in page


# The lab notebook: the site's runner executes it (sitebuild/hooks/lab.py), in one child of the warm
# process, beside the snippets; mkdocs-jupyter renders the executed copy. It must still run exactly
# once, with no kernel, land on its page, come from the cache next time, and stop the build when a
# cell fails.

NOTEBOOK_PLUGIN = """\
plugins:
  - search
  - mkdocs-jupyter:
      include: ["*.ipynb"]
      ignore: ["*.md"]
      execute: false
      allow_errors: false
"""


def _notebook_project(tmp_path, cell: str):
    import nbformat

    project = make_project(tmp_path, {"index.md": "# Page\n\n@snippet snippets/hello.py\n"}, {"hello.py": 'print("hello")\n'})
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + NOTEBOOK_PLUGIN, encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# Lab"), nbformat.v4.new_code_cell(cell)]
    nbformat.write(notebook, project / "docs" / "lab.ipynb")
    return project


def test_notebook_runs_once_beside_the_snippets_and_is_cached(tmp_path):
    project = _notebook_project(tmp_path, 'print("computed", 6 * 7)\n6 * 7')
    done = mkdocs(project, "build")
    assert done.returncode == 0, done.stderr
    assert "execute=True" not in done.stderr  # no kernel
    assert build_report(project)["lab"] == {"ran": ["lab.ipynb"], "cached": []}
    page = (project / "site" / "lab" / "index.html").read_text(encoding="utf-8")
    assert "computed 42" in page and "42" in page.split("computed 42", 1)[1]  # stdout, then the last value
    # The page was read as stored while the run went on, and rendered again from the executed copy
    # before search indexed it: the search index has the output too.
    index = json.loads((project / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any("computed 42" in doc["text"] for doc in index["docs"] if doc["location"].startswith("lab/"))
    assert counts(project) == (1, 0)
    again = mkdocs(project, "build")
    assert again.returncode == 0, again.stderr
    assert build_report(project)["lab"] == {"ran": [], "cached": ["lab.ipynb"]}
    assert "computed 42" in (project / "site" / "lab" / "index.html").read_text(encoding="utf-8")


def test_failing_notebook_cell_fails_the_build_once(tmp_path):
    project = _notebook_project(tmp_path, 'raise ValueError("lab cell broken on purpose")')
    done = mkdocs(project, "build")
    assert done.returncode != 0
    # (when its page is written: MkDocs reads the notebook as stored while it runs)
    assert "Error building page 'lab.ipynb'" in done.stderr and "lab cell broken on purpose" in done.stderr
    assert "execute=True" not in done.stderr
    assert not (project / "site").exists()


# The sitebuild/warm-start plugin (sitebuild/warm_start.py): listed first under `plugins:`, it starts
# the warm process while MkDocs loads its configuration, before the other plugins are even imported.

WARM_START_PLUGINS = """\
plugins:
  - sitebuild/warm-start
  - mkdocs-jupyter:
      include: ["*.ipynb"]
      execute: false
"""

_WHEN_STARTED = """\
import sys
from mkdocs.config import load_config
from sitebuild.runner import shared_runner

class Spy:  # notes whether the warm process was running when mkdocs-jupyter began to import
    seen = None

    def find_spec(self, name, path=None, target=None):
        if name == "mkdocs_jupyter" and Spy.seen is None:
            Spy.seen = shared_runner().started()

sys.meta_path.insert(0, Spy())
load_config("mkdocs.yml")
print(Spy.seen, shared_runner().started())
"""


def _when_started(project, env=None) -> str:
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _WHEN_STARTED], cwd=project, capture_output=True, text=True,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1", **(env or {})), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_warm_start_plugin_starts_torch_before_the_other_plugins_load(tmp_path):
    project = make_project(tmp_path, {"index.md": "# Page\n\n@snippet snippets/hello.py\n"}, {"hello.py": 'print("hello")\n'})
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + WARM_START_PLUGINS, encoding="utf-8")
    assert _when_started(project) == "True True"  # empty cache: started before mkdocs-jupyter's import
    assert _when_started(project, {"SITE_EXECUTE": "0"}) == "False False"  # nothing will run
    done = mkdocs(project, "build")
    assert done.returncode == 0, done.stderr
    assert counts(project) == (1, 0)
    assert _when_started(project) == "False False"  # every snippet cached: no torch needed


def test_site_lists_warm_start_as_its_first_plugin():
    from scratch import ROOT

    plugins = ROOT.joinpath("mkdocs.yml").read_text(encoding="utf-8").split("\nplugins:\n", 1)[1]
    first = next(line for line in plugins.splitlines() if line.startswith("  - "))
    assert first.split("#")[0].strip() == "- sitebuild/warm-start"
