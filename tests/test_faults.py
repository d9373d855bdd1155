"""Faults a hostile snippet (or an impatient contributor) can cause, and what the runner does about them.

Each test here failed before the runner handled its fault (issue 10). The runner tests share one
warm process where they can; the ones that kill it or time out start their own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pages import read_snippets
from scratch import make_project, mkdocs
from sitebuild.runner import OUTPUT_LIMIT, Runner, cache_key


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project root with snippets/, docs/ and a README, and a TMPDIR of its own for the snippets' folders."""
    root = tmp_path_factory.mktemp("faults")
    (root / "snippets").mkdir()
    (root / "docs").mkdir()
    (root / "README.md").write_text("# Readme\n", encoding="utf-8")
    (root / "tmp").mkdir()
    return root


@pytest.fixture(scope="module")
def runner(project):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(project / "tmp"))  # the warm process makes the snippets' folders here
        runner = Runner(cache_dir=project / ".cache", timeout=30, root=project)
        runner.start()
    yield runner
    runner.close()


@pytest.fixture
def write(project):
    def write(name: str, code: str) -> Path:
        path = project / "snippets" / name
        path.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
        return path

    return write


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a reaper counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def eventually(condition, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def own_runner(project, monkeypatch, **options) -> Runner:
    monkeypatch.setenv("TMPDIR", str(project / "tmp"))
    return Runner(cache_dir=None, root=project, **options)


# -- 1. hangs ---------------------------------------------------------------------------------------


def test_snippet_that_kills_the_warm_process_fails_every_waiting_snippet_at_once(write, project, monkeypatch):
    killer = write("killer.py", "import os\nos.kill(os.getppid(), 9)\n")
    queued = [write(f"queued{n}.py", "import time\ntime.sleep(1)\n") for n in range(3)]
    runner = own_runner(project, monkeypatch, workers=1, timeout=60)
    try:
        started = time.monotonic()
        results = runner.run_many([killer, *queued])
        assert time.monotonic() - started < 30  # it was 600 s per queued snippet
        for result in results.values():
            assert result.error.origin == "runner"
            assert "the warm process that runs the snippets died (killed by signal 9, SIGKILL)" in result.error.message
        fine = write("fine.py", 'print("after the restart")\n')
        assert runner.run(fine).stdout == "after the restart\n"  # the next run starts a new warm process
    finally:
        runner.close()


def test_snippet_that_kills_the_torch_func_server_fails_every_waiting_snippet_at_once(write, project, monkeypatch):
    """The same for the warm process's second process (sitebuild/warm_server.py), which runs the
    snippets that name torch.func: its death ends the first one too, and nothing waits for it."""
    killer = write("func_killer.py", "import os\nimport torch.func\nos.kill(os.getppid(), 9)\n")
    queued = [write(f"func_queued{n}.py", "import time\nimport torch.func\ntime.sleep(1)\n") for n in range(2)]
    plain = write("plain_queued.py", "import time\ntime.sleep(1)\n")
    runner = own_runner(project, monkeypatch, workers=1, timeout=60)
    try:
        started = time.monotonic()
        results = runner.run_many([killer, *queued, plain])
        assert time.monotonic() - started < 30
        for path in (killer, *queued):
            assert results[path].error.origin == "runner"
            assert "the warm process that runs the snippets died" in results[path].error.message
            assert "the torch.func server died (killed by signal 9, SIGKILL)" in results[path].error.message
        assert results[plain].error is None or results[plain].error.origin == "runner"  # it may have run first
        fine = write("func_fine.py", 'import torch.func\nprint("after the restart")\n')
        assert runner.run(fine).stdout == "after the restart\n"
    finally:
        runner.close()


def test_kill_9_of_the_warm_process_mid_run_releases_and_cleans_up(write, project, monkeypatch):
    markers = project / "markers"
    markers.mkdir(exist_ok=True)
    code = f"""
        import os, time
        open(os.path.join({str(markers)!r}, str(os.getpid())), "w").close()
        time.sleep(60)
    """
    slow = [write(f"slow{n}.py", code) for n in range(2)]
    runner = own_runner(project, monkeypatch, workers=2, timeout=120)
    try:
        futures = [runner.submit(path) for path in slow]
        assert eventually(lambda: len(list(markers.iterdir())) == 2, 120)
        os.kill(runner._server._process.pid, signal.SIGKILL)
        killed = time.monotonic()
        results = [future.result(timeout=30) for future in futures]
        assert time.monotonic() - killed < 10
        for result in results:
            assert result.error.origin == "runner" and "warm process" in result.error.message
        children = [int(marker.name) for marker in markers.iterdir()]
        assert eventually(lambda: all(gone(pid) for pid in children)), "a child outlived the warm process"
        assert eventually(lambda: not list((project / "tmp").iterdir())), "a snippet folder was left behind"
    finally:
        runner.close()


def _session_processes(session: int) -> list[str]:
    """Live processes of a session: mkdocs, its warm process, the snippets' children and theirs."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        state, _, _, sid = fields.split()[:4]
        if int(sid) == session and state not in ("Z", "X"):
            found.append(name.split("(", 1)[1])
    return found


def test_ctrl_c_stops_a_cold_build_at_once_and_leaves_nothing_behind(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    code = f"""
        import os, subprocess, time
        subprocess.Popen(["sleep", "600"])
        open(os.path.join({str(markers)!r}, str(os.getpid())), "w").close()
        time.sleep(60)
    """
    pages = {"index.md": "# Slow\n\n" + "\n\n".join(f"@snippet snippets/slow{n}.py" for n in range(3)) + "\n"}
    project = make_project(tmp_path / "project", pages, {f"slow{n}.py": code for n in range(3)})
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000", TMPDIR=str(tmp_path / "tmp"))
    # Its own session and group, as a shell runs a command: Ctrl-C sends SIGINT to the whole group.
    build = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build"], cwd=project, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert eventually(lambda: len(list(markers.iterdir())) >= 2, 120), "the snippets never started"
        interrupted = time.monotonic()
        os.killpg(build.pid, signal.SIGINT)
        build.wait(30)
        seconds = time.monotonic() - interrupted
        print(f"mkdocs build exited {seconds:.2f} s after SIGINT")
        assert seconds < 5, f"Ctrl-C took {seconds:.1f} s"
        assert build.returncode != 0
        assert eventually(lambda: not _session_processes(build.pid)), _session_processes(build.pid)
        assert eventually(lambda: not list((tmp_path / "tmp").iterdir())), list((tmp_path / "tmp").iterdir())
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
        for pid in [int(m.name) for m in markers.iterdir()]:
            if not gone(pid):
                os.killpg(pid, signal.SIGKILL)


# -- 2. a runner failure is never the expected exception ---------------------------------------------


def test_a_crash_is_a_runner_error_that_names_its_line(write, runner):
    result = runner.run(write("segfault.py", 'import ctypes\nprint("before")\nctypes.string_at(0)\n'))
    assert result.error.origin == "runner" and result.error.type != "RuntimeError"
    assert "its process died (killed by signal 11, SIGSEGV) at snippets/segfault.py:3: ctypes.string_at(0)" in result.error.message
    assert result.stdout == "before\n"  # what it printed before it died


def test_a_timeout_says_which_line_the_snippet_was_stuck_on(write, project, monkeypatch):
    runner = own_runner(project, monkeypatch, timeout=2)
    try:
        result = runner.run(write("stuck.py", "import time\n\nwhile True:\n    time.sleep(0.1)\n"))
    finally:
        runner.close()
    assert result.error.origin == "runner" and result.error.type == "TimeoutError"
    assert "it ran longer than the 2 s timeout; it was at snippets/stuck.py:4: time.sleep(0.1)" in result.error.message


# -- 3. the copy-paste promise ------------------------------------------------------------------------


def test_the_snippet_is_the_real_main_module(write, runner):
    path = write("main.py", """
        import atexit, multiprocessing, os, pickle, sys

        class Point:
            pass

        def square(x):
            return x * x

        if __name__ == "__main__":
            atexit.register(print, "at exit")
            with multiprocessing.Pool(2) as pool:
                print(pool.map(square, [1, 2, 3]))
            print(type(pickle.loads(pickle.dumps(Point()))).__name__)
            print(sys.modules["__main__"].__file__ == __file__ == sys.argv[0], __spec__)
            print(sys.path[0] == os.path.dirname(__file__))
            try:
                import sitebuild  # the build's own package is not on a reader's path
            except ImportError:
                print("no sitebuild")
    """)
    result = runner.run(path)
    assert result.error is None, result.error.traceback
    assert result.stdout == "[1, 4, 9]\nPoint\nTrue None\nTrue\nno sitebuild\nat exit\n"


def test_output_is_captured_at_the_file_descriptors_in_order(write, runner):
    path = write("fds.py", """
        import os, subprocess, sys, warnings
        print("encoding", sys.stdout.encoding, sys.stdout.buffer is not None)
        sys.stdout.buffer.write(b"bytes\\n")
        sys.stdout.flush()
        subprocess.run(["echo", "from echo"])
        warnings.warn("in the middle")
        os.system("echo from os.system")
        print("to stderr", file=sys.stderr)
        print("last")
    """)
    result = runner.run(path)
    assert result.error is None, result.error.traceback
    assert [kind for kind, _ in result.events] == ["stdout", "warning", "stdout", "stderr", "stdout"]
    assert result.events[0][1] == "encoding utf-8 True\nbytes\nfrom echo\n"
    assert result.events[1][1].startswith("snippets/fds.py:6: UserWarning: in the middle")
    assert result.events[2:] == [("stdout", "from os.system\n"), ("stderr", "to stderr\n"), ("stdout", "last\n")]


# -- 4. large output -----------------------------------------------------------------------------------


def test_many_prints_are_recorded_in_linear_time_and_cut_with_a_note(write, runner):
    result = runner.run(write("many.py", "for n in range(500_000):\n    print(n)\n"))
    assert result.error is None
    assert result.seconds < 20  # 2 s under python; the quadratic recording timed out at 60 s
    shown = result.stdout
    assert shown.startswith("0\n1\n2\n") and len(shown.encode()) <= OUTPUT_LIMIT
    kind, note = result.events[-1]
    assert kind == "note" and "the snippet wrote 3,388,890 bytes; a page shows the first 100,000" in note


def test_megabytes_in_a_few_writes_are_cut_too(write, runner):
    result = runner.run(write("chunks.py", 'for n in range(5):\n    print("x" * 1_000_000)\n'))
    assert len(result.stdout) == OUTPUT_LIMIT and result.events[-1][0] == "note"


# -- 5. stray processes and leftovers ----------------------------------------------------------------


def test_processes_a_snippet_starts_end_with_it_and_its_folder_is_removed(write, runner, project):
    path = write("stray.py", """
        import subprocess
        print(subprocess.Popen(["sleep", "600"]).pid)
        print(subprocess.Popen(["sleep", "601"], start_new_session=True).pid)  # out of its group
    """)
    result = runner.run(path)
    assert result.error is None
    for pid in result.stdout.split():
        assert eventually(lambda: gone(int(pid))), "a process outlived its snippet"
    assert eventually(lambda: not list((project / "tmp").iterdir()))


def test_a_timed_out_snippet_leaves_no_folder_or_process(write, project, monkeypatch):
    path = write("slow_stray.py", """
        import subprocess, time
        print(subprocess.Popen(["sleep", "600"]).pid, flush=True)
        time.sleep(60)
    """)
    runner = own_runner(project, monkeypatch, timeout=2)
    try:
        result = runner.run(path)
    finally:
        runner.close()
    assert result.error.type == "TimeoutError"
    assert eventually(lambda: gone(int(result.stdout)))
    assert eventually(lambda: not list((project / "tmp").iterdir()))


# -- 9. the cache --------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["null", "{}", '{"path": "snippets/shape.py", "stdout": "old format"}', '{"path": "snip'])
def test_a_cache_entry_of_the_wrong_shape_is_a_miss_and_is_overwritten(write, runner, project, entry):
    path = write("shape.py", 'print("fresh")\n')
    (project / ".cache").mkdir(exist_ok=True)
    stored = project / ".cache" / f"{cache_key(path.read_bytes(), 'snippets/shape.py')}.json"
    stored.write_text(entry, encoding="utf-8")
    result = runner.run(path)
    assert (result.cached, result.stdout) == (False, "fresh\n")
    assert json.loads(stored.read_text(encoding="utf-8"))["events"] == [["stdout", "fresh\n"]]
    assert runner.run(path).cached is True


def test_the_cache_is_pruned_least_recently_used_first(tmp_path):
    runner = Runner(cache_dir=tmp_path, root=tmp_path)
    for age, name in enumerate(["newest", "middle", "oldest"]):
        entry = tmp_path / f"{name}.json"
        entry.write_bytes(b"x" * 1000)
        os.utime(entry, (time.time() - age * 86400,) * 2)
    assert runner.prune_cache(limit=2500) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle.json", "newest.json"]
    assert runner.prune_cache(limit=2500) == 0


# -- 10. writes outside the snippet's folder ----------------------------------------------------------


def test_a_snippet_that_writes_into_the_project_fails_and_is_named(write, runner, project):
    path = write("vandal.py", f"""
        with open({str(project / "docs" / "new-page.md")!r}, "w") as page:
            page.write("# Surprise")
        with open({str(project / "README.md")!r}, "a") as readme:
            readme.write("appended")
    """)
    results = []
    try:
        for _ in range(2):
            results.append(runner.run(path))
            (project / "docs" / "new-page.md").unlink(missing_ok=True)
    finally:
        (project / "README.md").write_text("# Readme\n", encoding="utf-8")
    assert results[0].error.origin == "runner"
    assert "files of the project were changed: README.md (changed), docs/new-page.md (created)" in results[0].error.message
    assert results[1].cached is False and results[1].error is not None  # never cached: it runs (and fails) again


# -- the build: 2, 6, 7, 8 and 10 on a page ------------------------------------------------------------


def _build(tmp_path, pages: dict, snippets: dict, raw: dict | None = None):
    project = make_project(tmp_path, pages, snippets)
    for name, data in (raw or {}).items():
        (project / "snippets").mkdir(exist_ok=True)
        (project / "snippets" / name).write_bytes(data)
    return project, mkdocs(project, "build")


def test_a_crash_fails_the_build_even_where_an_exception_is_expected(tmp_path):
    page = {"index.md": "# Page\n\n@snippet snippets/crash.py raises=RuntimeError\n"}
    _, done = _build(tmp_path, page, {"crash.py": "import ctypes\nctypes.string_at(0)\n"})
    assert done.returncode != 0
    assert "snippets/crash.py: RunnerError: the snippet did not finish: its process died (killed by signal 11, SIGSEGV)" in done.stderr


def test_snippet_files_are_read_as_python_reads_them(tmp_path):
    latin = "# -*- coding: latin-1 -*-\nprint('café')\n".encode("latin-1")
    project, done = _build(tmp_path, {"index.md": "# Page\n\n@snippet snippets/latin.py\n"}, {}, {"latin.py": latin})
    assert done.returncode == 0, done.stderr
    shown = read_snippets((project / "site" / "index.html").read_text(encoding="utf-8"))
    assert shown.code["snippets/latin.py"] == "# -*- coding: latin-1 -*-\nprint('café')\n"
    assert shown.output["snippets/latin.py"] == "café\n"
    _, done = _build(tmp_path / "raw", {"index.md": "# Page\n\n@snippet snippets/raw.py\n"}, {}, {"raw.py": b"print('\xff\xfe')\n"})
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "docs/index.md, line 3: cannot read snippets/raw.py as Python does" in done.stderr


def test_page_line_numbers_count_the_front_matter(tmp_path):
    page = "---\ndescription: A page with front matter.\n---\n\n# Page\n\n@snippet snippets/bad.py\n"
    _, done = _build(tmp_path, {"index.md": page}, {"bad.py": "1 / 0\n"})
    assert done.returncode != 0
    assert "(used by docs/index.md, line 7)" in done.stderr


@pytest.mark.parametrize(
    "directive, message",
    [
        ('@snippet snippets/ok.py alt="never closed', "docs/index.md, line 3: cannot read '@snippet"),
        ("@snippet snippets/ok.py colour=red", "docs/index.md, line 3: unknown option 'colour=red'"),
        ("@snippet snippets/ok.py raises=", "docs/index.md, line 3: 'raises=' needs a value"),
    ],
)
def test_a_bad_directive_names_page_and_line_without_a_traceback(tmp_path, directive, message):
    _, done = _build(tmp_path, {"index.md": f"# Page\n\n{directive}\n"}, {"ok.py": 'print("ok")\n'})
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_snippet_that_writes_a_page_fails_the_build(tmp_path):
    code = f"open({str(tmp_path / 'docs' / 'new-page.md')!r}, 'w').write('# New')\n"
    _, done = _build(tmp_path, {"index.md": "# Page\n\n@snippet snippets/writer.py\n"}, {"writer.py": code})
    assert done.returncode != 0
    assert "snippets/writer.py: RunnerError: while it ran, files of the project were changed: docs/new-page.md (created)" in done.stderr
