"""The shape every lesson shares, checked from the files themselves (no build needed).

- One name per lesson: docs/<slug>.md, snippets/<slug>/ and tests/test_<slug_with_underscores>.py.
- The order agrees everywhere: nav, the home page's numbered path and each page's "Next:" link.
- Every snippet is named by its lesson's test module (its values are asserted there).
- Snippet lines fit a phone, and comments stand above the code they explain, never after it.
- A sentence that says how PyTorch behaves stands next to an executed snippet (see CLAIM_WORDS).
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest
import yaml

from sitebuild.directive import find_directives

ROOT = Path(__file__).resolve().parent.parent
DOCS, SNIPPETS, TESTS = ROOT / "docs", ROOT / "snippets", ROOT / "tests"
MAX_LINE = 48  # characters: what a 390 px phone shows of a code block without scrolling (CONTRIBUTING.md)
HOME_SNIPPETS = "environment"  # the home page's snippets: not a lesson


def _nav_lessons() -> list[str]:
    """Slugs of the pages under "Lessons" in mkdocs.yml, in nav order."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: None)  # mkdocs' env-var tag: values don't matter here
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    lessons = next(entry["Lessons"] for entry in config["nav"] if isinstance(entry, dict) and "Lessons" in entry)
    return [Path(next(iter(item.values()))).stem for item in lessons]


LESSONS = _nav_lessons()


def _test_module(slug: str) -> Path:
    return TESTS / f"test_{slug.replace('-', '_')}.py"


def test_every_lesson_has_one_name_across_docs_snippets_and_tests():
    for slug in LESSONS:
        assert (DOCS / f"{slug}.md").is_file(), slug
        assert any((SNIPPETS / slug).glob("*.py")), f"snippets/{slug}/ has no snippet"
        assert _test_module(slug).is_file(), f"{_test_module(slug).name} is missing"
    folders = {p.name for p in SNIPPETS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - {HOME_SNIPPETS} == set(LESSONS), "a snippet folder that is no lesson (or the reverse)"


def test_every_snippet_is_named_by_its_lesson_test_module():
    for slug in LESSONS:
        tests = _test_module(slug).read_text(encoding="utf-8")
        for snippet in sorted((SNIPPETS / slug).glob("*.py")):
            assert snippet.name in tests, f"{_test_module(slug).name} never names {snippet.name}"


def test_every_lesson_snippet_is_shown_on_its_own_lesson_page():
    for slug in LESSONS:
        page = (DOCS / f"{slug}.md").read_text(encoding="utf-8")
        shown = {d.path for d in find_directives(page)}
        for snippet in sorted((SNIPPETS / slug).glob("*.py")):
            assert snippet.relative_to(ROOT).as_posix() in shown, f"{snippet.name} is not on {slug}.md"


def _numbered_links(markdown: str) -> list[str]:
    return re.findall(r"^\d+\. \[[^\]]+\]\(([\w-]+)\.md\)", markdown, re.MULTILINE)


def test_home_page_path_follows_nav():
    assert _numbered_links((DOCS / "index.md").read_text(encoding="utf-8")) == LESSONS


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_ends_with_what_you_learned_and_links_the_next_one(slug):
    page = (DOCS / f"{slug}.md").read_text(encoding="utf-8")
    assert "\n## What you learned\n" in page
    position = LESSONS.index(slug)
    following = LESSONS[position + 1] + ".md" if position + 1 < len(LESSONS) else "lab.ipynb"
    next_lines = [line for line in page.splitlines() if line.startswith("Next:")]
    assert len(next_lines) == 1, f"{slug}.md needs one 'Next:' line"
    assert f"]({following})" in next_lines[0], f"{slug}.md's Next: should link {following}"


SNIPPET_FILES = sorted(SNIPPETS.rglob("*.py"))


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=lambda p: p.relative_to(SNIPPETS).as_posix())
def test_snippet_lines_fit_a_phone_and_comments_stand_above_code(path):
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        assert len(line) <= MAX_LINE, f"{path.name}:{number} has {len(line)} characters (at most {MAX_LINE})"
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            code_before = token.line[: token.start[1]].strip()
            assert not code_before, f"{path.name}:{token.start[0]}: put the comment on its own line above the code"


# Words that make a sentence a claim about how PyTorch behaves. Such a sentence must stand in a block
# (paragraph, list, admonition) within CLAIM_REACH blocks of an executed snippet of the same section,
# where the reader can see it happen; the lesson's test module asserts the behaviour itself.
CLAIM_WORDS = re.compile(
    r"\b(raises|raise an error|accumulates?|adds up|shares? (its )?memory|is None|is a leaf|"
    r"is not a leaf|returns|refuses|warns|prints a warning)\b",
    re.IGNORECASE,
)
CLAIM_REACH = 3
EXEMPT_SECTIONS = {"What you learned"}


def _blocks(markdown: str):
    """(section title, block text, is_snippet) for every blank-line separated block after front matter."""
    body = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.DOTALL)
    body = re.sub(r"^```.*?^```", "", body, flags=re.DOTALL | re.MULTILINE)  # code shown as code
    section = ""
    for block in re.split(r"\n\s*\n", body):
        stripped = block.strip()
        if stripped.startswith("#"):
            section = stripped.lstrip("#").strip()
            continue
        if stripped:
            yield section, stripped, bool(re.search(r"^\s*@snippet ", stripped, re.MULTILINE))


@pytest.mark.parametrize("slug", LESSONS)
def test_behavioural_claims_stand_next_to_an_executed_snippet(slug):
    blocks = list(_blocks((DOCS / f"{slug}.md").read_text(encoding="utf-8")))
    far = []
    for index, (section, text, is_snippet) in enumerate(blocks):
        if is_snippet or section in EXEMPT_SECTIONS or not CLAIM_WORDS.search(text):
            continue
        near = blocks[max(0, index - CLAIM_REACH) : index + CLAIM_REACH + 1]
        if not any(snip and sec == section for sec, _, snip in near):
            far.append(f"[{section}] {text[:100]}")
    assert far == [], f"{slug}.md: claims with no executed snippet nearby:\n" + "\n".join(far)
