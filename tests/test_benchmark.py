"""The benchmark's pure helpers (benchmarks/): the scratch sites it makes and the tables it prints.
No build runs here; `python -m benchmarks.build_speed` itself is run by hand (it takes minutes)."""

import json
import textwrap

import pytest
import yaml

from benchmarks import sites
from benchmarks.build_speed import parse_args
from benchmarks.cases import Results
from benchmarks.measure import BuildCounts, build_counts
from benchmarks.report import Target, cases_table, targets, targets_table

CONFIG = textwrap.dedent("""\
    site_name: Tiny
    nav:
      - Home: index.md
      - Lessons:
          - One: one.md
      - Lab: lab.ipynb

    plugins:
      - mkdocs-jupyter:
          execute: !ENV [LAB_EXECUTE, true]
    markdown_extensions:
      - admonition
      - pymdownx.superfences
    """)
PAGE = textwrap.dedent("""\
    # One

    @snippet snippets/one/a.py

    !!! note
        @snippet snippets/one/b.py raises=ValueError

    ```markdown
    @snippet snippets/one/shown_as_an_example.py
    ```
    """)


@pytest.fixture
def tiny_site(tmp_path):
    site = tmp_path / "site"
    (site / "docs").mkdir(parents=True)
    (site / "snippets" / "one").mkdir(parents=True)
    (site / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    (site / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (site / "docs" / "one.md").write_text(PAGE, encoding="utf-8")
    (site / "docs" / "lab.ipynb").write_text("{}", encoding="utf-8")
    for name in ("a.py", "b.py"):
        (site / "snippets" / "one" / name).write_text(f"print({name!r})\n", encoding="utf-8")
    return site


def test_copy_names():
    assert sites.copy_name("derivatives.md", 3) == "derivatives-3.md"
    assert sites.copy_name("snippets/derivatives", 3) == "snippets/derivatives-3"
    assert sites.renamed_snippet("snippets/derivatives/x_squared.py", 10) == "snippets/derivatives-10/x_squared.py"


def test_page_copy_moves_only_the_directives():
    text, folders = sites.page_copy(PAGE, 2)
    assert "@snippet snippets/one-2/a.py\n" in text
    assert "    @snippet snippets/one-2/b.py raises=ValueError\n" in text  # indentation and options kept
    assert "@snippet snippets/one/shown_as_an_example.py" in text  # inside a fence: an example, left alone
    assert folders == {"snippets/one"}


def test_nav_sections_are_appended_and_tags_survive():
    edited = sites.nav_with_extra_sections(CONFIG, [("Copy 2", [("One (2)", "one-2.md")])])
    assert "execute: !ENV [LAB_EXECUTE, true]" in edited
    nav = [page for _, page in sites.nav_pages(yaml.safe_load(edited.replace("!ENV ", ""))["nav"])]
    assert nav == ["index.md", "one.md", "lab.ipynb", "one-2.md"]


def test_scale_site_copies_lesson_pages_and_their_snippets(tiny_site):
    sites.scale_site(tiny_site, 3)
    assert (tiny_site / "docs" / "one-3.md").is_file()
    assert not (tiny_site / "docs" / "index-2.md").exists()  # no snippet: not a lesson page
    assert (tiny_site / "snippets" / "one-3" / "b.py").read_text() == "print('b.py')\n"
    snippets = [path.relative_to(tiny_site).as_posix() for path in sites.snippets_in_page_order(tiny_site)]
    assert snippets == ["snippets/one/a.py", "snippets/one/b.py", "snippets/one-2/a.py", "snippets/one-2/b.py",
                        "snippets/one-3/a.py", "snippets/one-3/b.py"]
    assert [title for title, _ in sites.markdown_pages(tiny_site)][-1] == "One (3)"


def test_markdown_exec_page_turns_directives_into_exec_fences():
    page = sites.markdown_exec_page(PAGE)
    assert ('    ```python exec="on" source="above" result="text" title="snippets/one/b.py"\n'
            '    --8<-- "snippets/one/b.py"\n    ```\n') in page
    assert "@snippet snippets/one/a.py" not in page


def test_markdown_exec_peer_site(tiny_site, tmp_path):
    peer = sites.markdown_exec_peer_site(tiny_site, tmp_path / "peer")
    config = json.loads((peer / "mkdocs.yml").read_text())
    assert config["plugins"] == ["search", "markdown-exec"]
    assert config["markdown_extensions"][-1]["pymdownx.snippets"]["base_path"] == ["."]
    assert sorted(path.name for path in (peer / "docs").iterdir()) == ["index.md", "one.md"]  # no lab
    assert (peer / "snippets" / "one" / "a.py").is_file()


def test_build_counts_reads_the_build_report(tmp_path):
    report = tmp_path / "build-report.json"
    assert build_counts(report) is None  # no report: a peer's build
    report.write_text(json.dumps({
        "build": 2, "seconds": 0.9, "execute": True,
        "snippets": {"ran": ["snippets/a.py"], "cached": ["snippets/b.py", "snippets/c.py"], "failed": [],
                     "seconds": {"snippets/a.py": 0.2}},
        "stages": {},
    }))
    assert build_counts(report) == BuildCounts(1, 2, 0.2, 0.9, ("snippets/a.py",), 2)
    report.write_text(json.dumps({"build": 1, "seconds": 1.0, "execute": False, "snippets": {}, "stages": {}}))
    assert build_counts(report) is None  # SITE_EXECUTE=0


def test_cases_table_has_a_column_group_per_scale():
    seconds = {("cold", 1): [4.0, 2.0, 3.0], ("cold", 10): [20.0], ("floor", 1): [1.5]}
    table = cases_table([("cold", "(a) cold"), ("floor", "(d) floor")], [1, 10], seconds, None)
    assert table.splitlines() == [
        "| case | 1× median s | 1× × (a) | 1× CPU s | 10× median s | 10× × (a) | 10× CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| (a) cold | 3.00 | 1.00 | – | 20.00 | 1.00 | – |",
        "| (d) floor | 1.50 | 0.50 | – | – | – | – |",
    ]


def test_targets_met_missed_and_not_measured():
    results = Results(seconds={("cold", 1): [4.0], ("bare", 1): [3.0], ("floor", 1): [1.0], ("warm", 1): [3.3],
                               ("cold", 10): [10.0], ("markdown-exec", 10): [25.0]})
    found = {target.name: target for target in targets(results, 589)}
    assert found["cold build at 1× <= 1.1 × ((g) no execution, no lab + (d) floor)"].met is True  # 4 / 4
    assert found["warm rebuild at 1× <= 1.05 × (g) no execution"].met is False  # 1.1
    assert found["at 10×: markdown-exec (h) >= 2 × our cold build (a)"].met is True  # 2.5
    assert found["at 10×: markdown-exec (h) >= 10 × our warm rebuild (b)"].verdict == "not measured"
    lines = targets_table([Target("x", 1.234, "<=", 1.1), Target("y", None, ">=", 2)]).splitlines()
    assert lines[2:] == ["| x | 1.23 × | MISSED |", "| y | – | not measured |"]


def test_cli_selects_cases_and_scales():
    args = parse_args(["--runs", "1", "--scale", "10", "--cases", "cold,markdown-exec", "--no-serve"])
    assert (args.runs, args.scale, args.cases) == (1, [10], ["cold", "markdown-exec"])
    assert parse_args([]).scale == [1, 10]
    with pytest.raises(SystemExit):
        parse_args(["--cases", "nonsense"])
