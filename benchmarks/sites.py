"""The scratch sites the benchmark builds; the repository's own .cache/ and site/ are never touched.

    copy_site(target)                 what `mkdocs build` reads, copied as it is (uncommitted edits too)
    scale_site(site, 10)              the 10x site: every lesson page and its snippets copied 9 more
                                      times, as docs/<page>-<k>.md showing snippets/<folder>-<k>/...
    jupyter_peer_site(...)            the snippets as notebooks, one per lesson, for mkdocs-jupyter
    markdown_exec_peer_site(...)      the pages with each @snippet line turned into a markdown-exec
                                      `exec="on"` fence that includes the same snippet file
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sitebuild.directive import find_directives

REPO = Path(__file__).resolve().parent.parent
# Not copied: history, installs, caches and outputs. Everything else is, since the build may read any
# of it (mkdocs.yml, docs/, snippets/, sitebuild/, requirements files the pages point to, ...).
NOT_COPIED = (".git", ".venv", "node_modules", ".cache", "site", "test-results", ".pytest_cache",
              "__pycache__", "*.pyc")


def copy_site(target: Path) -> Path:
    """A copy of the working tree as it is (uncommitted edits included), without NOT_COPIED."""
    shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    return target


def read_config(site: Path) -> dict:
    """mkdocs.yml as plain data; MkDocs' own tags (!ENV, !!python/name) read as None."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    return yaml.load((site / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def nav_pages(nav) -> list[tuple[str | None, str]]:
    """(title, file) of every page in a MkDocs nav, in order."""
    found = []
    for item in nav or []:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            found.extend(nav_pages(value))
        else:
            found.append((title, value))
    return found


def markdown_pages(site: Path) -> list[tuple[str | None, str]]:
    """(title, file under docs/) of the site's Markdown pages, in nav order."""
    return [(title, page) for title, page in nav_pages(read_config(site)["nav"]) if page.endswith(".md")]


def snippets_in_page_order(site: Path) -> list[Path]:
    """Every snippet the site's pages name (nav order, then directive order), each once."""
    found: list[Path] = []
    for _, page in markdown_pages(site):
        for item in find_directives((site / "docs" / page).read_text(encoding="utf-8")):
            path = site / item.path  # "snippets/<lesson>/<file>.py", relative to mkdocs.yml
            if path not in found:
                found.append(path)
    return found


# -- the 10x site ----------------------------------------------------------------------------------


def copy_name(name: str, copy: int) -> str:
    """`derivatives.md` -> `derivatives-2.md`; `derivatives` -> `derivatives-2`."""
    stem, dot, suffix = name.rpartition(".") if name.endswith(".md") else (name, "", "")
    return f"{stem}-{copy}{dot}{suffix}"


def renamed_snippet(path: str, copy: int) -> str:
    """`snippets/<folder>/x.py` -> `snippets/<folder>-<copy>/x.py` (the folder is renamed, not the file)."""
    parts = path.split("/")
    parts[-2] = copy_name(parts[-2], copy)
    return "/".join(parts)


def page_copy(markdown: str, copy: int) -> tuple[str, set[str]]:
    """A page's text with every @snippet path moved to the copy's folders, and those folders."""
    pieces, position, folders = [], 0, set()
    for item in find_directives(markdown):
        start, end = item.span
        line = markdown[start:end]
        pieces += [markdown[position:start], line.replace(item.path, renamed_snippet(item.path, copy), 1)]
        position = end
        folders.add(item.path.rsplit("/", 1)[0])
    pieces.append(markdown[position:])
    return "".join(pieces), folders


def nav_with_extra_sections(config_text: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """mkdocs.yml's text with sections appended at the end of `nav:` (edited as text, so MkDocs' own
    tags such as !ENV stay as they are). Each section is (title, [(page title, file), ...])."""
    lines = config_text.splitlines(keepends=True)
    start = next(number for number, line in enumerate(lines) if line.rstrip() == "nav:")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
        end += 1
    while lines[end - 1].strip() == "":  # keep blank lines after the nav where they were
        end -= 1
    first = next(line for line in lines[start + 1 : end] if line.strip())
    indent = first[: len(first) - len(first.lstrip())]
    added = []
    for title, pages in sections:
        added.append(f"{indent}- {json.dumps(title)}:\n")
        added += [f"{indent}    - {json.dumps(page_title)}: {json.dumps(page)}\n" for page_title, page in pages]
    return "".join(lines[:end] + added + lines[end:])


def scale_site(site: Path, scale: int) -> Path:
    """Turn a copy of the site into `scale` times the site, in place: each page with at least one
    @snippet (the lessons, and the home page with its environment snippet) and the snippet folders it
    uses copied scale - 1 more times under new names, each copy listed in the nav, so the site has
    exactly `scale` times the snippets. The lab and the pages without snippets stay single."""
    docs = site / "docs"
    lessons = [(title, page) for title, page in markdown_pages(site)
               if find_directives((docs / page).read_text(encoding="utf-8"))]
    sections = []
    for copy in range(2, scale + 1):
        pages = []
        for title, page in lessons:
            text, folders = page_copy((docs / page).read_text(encoding="utf-8"), copy)
            (docs / copy_name(page, copy)).write_text(text, encoding="utf-8")
            for folder in folders:
                target = site / copy_name(folder, copy)
                if not target.exists():
                    shutil.copytree(site / folder, target, ignore=shutil.ignore_patterns("__pycache__"))
            pages.append((f"{title or Path(page).stem} ({copy})", copy_name(page, copy)))
        sections.append((f"Copy {copy}", pages))
    config = site / "mkdocs.yml"
    config.write_text(nav_with_extra_sections(config.read_text(encoding="utf-8"), sections), encoding="utf-8")
    return site


# -- the peers -------------------------------------------------------------------------------------


def jupyter_peer_site(snippets: list[Path], target: Path) -> Path:
    """The snippets as notebooks (one per lesson folder, one cell per snippet, in page order) in a site
    built by mkdocs-jupyter with `execute: true` and `allow_errors: true`: a snippet that is meant to
    raise shows its error and the notebook goes on. No lesson pages and no lab: it has less to do."""
    import nbformat

    docs = target / "docs"
    docs.mkdir(parents=True)
    lessons: dict[str, list[Path]] = {}
    for path in snippets:
        lessons.setdefault(path.parent.name, []).append(path)
    for lesson, paths in lessons.items():
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.cells = [nbformat.v4.new_code_cell(path.read_text(encoding="utf-8")) for path in paths]
        nbformat.write(notebook, docs / f"{lesson}.ipynb")
    (docs / "index.md").write_text("# Peer\n\nThe site's snippets as notebooks.\n", encoding="utf-8")
    (target / "mkdocs.yml").write_text(
        "site_name: Peer\n"
        "theme:\n  name: material\n  font: false\n"
        "plugins:\n"
        "  - search\n"
        "  - mkdocs-jupyter:\n"
        "      execute: true\n"
        "      allow_errors: true\n"
        "      kernel_name: python3\n"
        "      cache_dir: !ENV [LAB_CACHE_DIR, .cache/mkdocs-jupyter]\n",
        encoding="utf-8",
    )
    return target


def exec_fence(path: str, indent: str = "") -> str:
    """A markdown-exec block that runs the snippet file and shows its code above what it printed.
    pymdownx.snippets puts the file's text inside the fence (with the fence's indentation) before
    markdown-exec sees it."""
    return (f'{indent}```python exec="on" source="above" result="text" title="{path}"\n'
            f'{indent}--8<-- "{path}"\n'
            f"{indent}```")


def markdown_exec_page(markdown: str) -> str:
    """A page of this site as a markdown-exec user would write it: each @snippet line a fence."""
    pieces, position = [], 0
    for item in find_directives(markdown):
        start, end = item.span
        pieces += [markdown[position:start], exec_fence(item.path, item.indent)]
        position = end
    pieces.append(markdown[position:])
    return "".join(pieces)


def markdown_exec_peer_site(site: Path, target: Path) -> Path:
    """The site's Markdown pages (all of them, 10x copies included) with markdown-exec in place of our
    hook: same snippet files, same Markdown extensions, Material, search; no hook, no lab, no math
    rendering at build time, no figures (plt.show() is a no-op under MPLBACKEND=Agg)."""
    docs = target / "docs"
    docs.mkdir(parents=True)
    for title, page in markdown_pages(site):
        source = site / "docs" / page
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        (docs / page).write_text(markdown_exec_page(source.read_text(encoding="utf-8")), encoding="utf-8")
    if (site / "docs" / "assets").is_dir():
        shutil.copytree(site / "docs" / "assets", docs / "assets")
    # A copy, not a link: pymdownx.snippets refuses files whose real path is outside its base_path.
    shutil.copytree(site / "snippets", target / "snippets", ignore=shutil.ignore_patterns("__pycache__"))
    extensions = [item for item in read_config(site).get("markdown_extensions", [])
                  if not (isinstance(item, dict) and "pymdownx.snippets" in item) and item != "pymdownx.snippets"]
    extensions.append({"pymdownx.snippets": {"base_path": ["."], "check_paths": True}})
    config = {
        "site_name": "Peer: markdown-exec",
        "theme": {"name": "material", "font": False},
        "markdown_extensions": extensions,
        "plugins": ["search", "markdown-exec"],
    }
    (target / "mkdocs.yml").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return target
