"""The runner's watch on the project's files (sitebuild/project_watch.py): both kinds report the same
changes, and skip what the build itself writes."""

import pytest

from sitebuild.project_watch import InotifyWatch, ScanWatch


@pytest.fixture
def project(tmp_path):
    (tmp_path / "docs" / "lesson").mkdir(parents=True)
    (tmp_path / "snippets" / "lesson").mkdir(parents=True)
    (tmp_path / "README.md").write_text("# Readme\n")
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "snippets" / "lesson" / "a.py").write_text("print(1)\n")
    return tmp_path


@pytest.fixture(params=["inotify", "scan"])
def watch(request, project):
    if request.param == "inotify":
        try:
            made = InotifyWatch(project)
        except OSError as exc:
            pytest.skip(f"no inotify here: {exc}")
    else:
        made = ScanWatch(project)
    yield made
    made.close()


def test_changes_made_after_the_mark_are_named(watch, project):
    (project / "docs" / "index.md").write_text("# Changed\n")  # before the mark: not this run's
    mark = watch.mark()
    with open(project / "README.md", "a") as readme:
        readme.write("appended\n")
    (project / "docs" / "new-page.md").write_text("# Surprise\n")
    (project / "snippets" / "lesson" / "a.py").unlink()
    (project / "docs" / "made-and-removed.md").write_text("gone")
    (project / "docs" / "made-and-removed.md").unlink()
    assert watch.changes_since(mark) == [
        "README.md (changed)",
        "docs/new-page.md (created)",
        "snippets/lesson/a.py (deleted)",
    ]


def test_a_new_folder_and_the_files_in_it_are_seen(watch, project):
    mark = watch.mark()
    (project / "docs" / "new" / "deeper").mkdir(parents=True)
    (project / "docs" / "new" / "deeper" / "page.md").write_text("# New\n")
    changed = watch.changes_since(mark)
    assert "docs/new/deeper/page.md (created)" in changed


def test_what_the_build_writes_is_not_a_change(watch, project):
    mark = watch.mark()
    (project / ".cache" / "snippets").mkdir(parents=True)
    (project / ".cache" / "snippets" / "entry.json").write_text("{}")
    (project / "site").mkdir()
    (project / "site" / "index.html").write_text("<html>")
    (project / "snippets" / "lesson" / "__pycache__").mkdir()
    (project / "snippets" / "lesson" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert watch.changes_since(mark) == []


def test_a_watched_folder_moved_away_is_no_longer_reported_under_its_old_name(watch, project):
    (project / "docs" / "lesson" / "page.md").write_text("# Lesson\n")
    mark = watch.mark()
    (project / "docs" / "lesson").rename(project / "moved-out")
    changed = watch.changes_since(mark)
    # The scan names the files that went; inotify, told only of the folder, names the folder.
    assert changed == (["docs/lesson/ (deleted)"] if isinstance(watch, InotifyWatch) else ["docs/lesson/page.md (deleted)"])
    mark = watch.mark()
    (project / "moved-out" / "page.md").write_text("# Elsewhere now\n")  # outside docs/: not the project's
    assert watch.changes_since(mark) == []


def test_an_overflow_before_the_mark_does_not_blame_the_next_snippet(project):
    try:
        watch = InotifyWatch(project)
    except OSError as exc:
        pytest.skip(f"no inotify here: {exc}")
    try:
        watch._seen += 1  # as _drain records a queue overflow
        watch._overflowed_at = watch._seen
        mark = watch.mark()
        assert watch.changes_since(mark) == []
        (project / "README.md").write_text("changed\n")
        assert watch.changes_since(mark) == ["README.md (changed)"]
    finally:
        watch.close()
