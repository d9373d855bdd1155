"""The snippet runner on its own: no MkDocs, small snippet files written by each test."""

from __future__ import annotations

import textwrap

import pytest

from sitebuild.runner import Runner, normalize_output


@pytest.fixture
def write(tmp_path):
    def write(name: str, code: str):
        path = tmp_path / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
        return path

    return write


@pytest.fixture
def runner(tmp_path):
    runner = Runner(cache_dir=tmp_path / "cache", timeout=10, root=tmp_path)
    yield runner
    runner.close()


def test_stdout_and_warnings_keep_their_order(write, runner):
    path = write("order.py", """
        import warnings
        print("first")
        warnings.warn("in the middle")
        print("last")
    """)
    result = runner.run(path)
    assert [kind for kind, _ in result.events] == ["stdout", "warning", "stdout"]
    assert result.events[1][1].startswith("snippets/order.py:3: UserWarning: in the middle")
    assert result.stdout == "first\nlast\n"


def test_exception_reports_type_message_and_line(write, runner):
    path = write("raises.py", """
        print("before")
        values = [1, 2]
        values[5]
    """)
    result = runner.run(path)
    assert result.stdout == "before\n"
    assert result.error.type == "IndexError"
    assert result.error.last_line == "IndexError: list index out of range"
    assert result.error.lineno == 3  # values[5]


def test_syntax_error_reports_its_line(write, runner):
    path = write("syntax.py", """
        x = 1
        print(x
        y = 2
    """)
    result = runner.run(path)
    assert result.error.type == "SyntaxError"
    assert result.error.lineno in (2, 3)  # CPython points at the unclosed bracket


def test_timeout_kills_only_that_snippet(write, tmp_path):
    slow = write("slow.py", """
        import time
        time.sleep(60)
    """)
    quick = write("quick.py", 'print("done")\n')
    runner = Runner(cache_dir=tmp_path / "cache", timeout=2, root=tmp_path)
    try:
        results = runner.run_many([slow, quick])
        assert results[slow].error.type == "TimeoutError"
        assert "2 s timeout" in results[slow].error.message
        assert results[quick].error is None and results[quick].stdout == "done\n"
        # A timeout says something about the machine, not the snippet: it is not cached.
        assert runner.run(slow).cached is False
    finally:
        runner.close()


def test_memory_addresses_are_normalized(write, runner):
    path = write("address.py", """
        import torch
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        print(y.grad_fn)
        print(object())
    """)
    result = runner.run(path)
    assert result.stdout == "<PowBackward0 object at 0x…>\n<object object at 0x…>\n"
    assert normalize_output("at 0x7f0e12dc31d0>") == "at 0x…>"
    assert normalize_output("0x10 and 0xff stay") == "0x10 and 0xff stay"


def test_figures_are_captured_at_show_and_at_exit(write, runner):
    path = write("figures.py", """
        import matplotlib.pyplot as plt
        plt.plot([0, 1], [0, 1], label="first")
        plt.legend()
        plt.show()
        plt.plot([0, 1], [1, 0])
        plt.title("second, never shown explicitly")
    """)
    result = runner.run(path)
    assert result.error is None
    assert len(result.figures) == 2
    for figure in result.figures:
        assert figure.light.lstrip().startswith("<?xml") and "<svg" in figure.light
        assert figure.dark != figure.light
        assert "<dc:date>" not in figure.light and "Matplotlib v" not in figure.light
        assert (figure.width, figure.height) == (614, 461)  # 6.4 x 4.8 inches at 96 px per inch


def test_figures_are_byte_identical_across_runs(write, tmp_path):
    path = write("plot.py", """
        import matplotlib.pyplot as plt
        import torch
        x = torch.linspace(-3, 3, 50)
        plt.plot(x, torch.sin(x), label="sin")
        plt.legend()
        plt.show()
    """)
    runs = []
    for attempt in range(2):
        runner = Runner(cache_dir=None, root=tmp_path)  # no cache: really run it twice
        try:
            runs.append(runner.run(path).figures[0])
        finally:
            runner.close()
    assert runs[0].light == runs[1].light and runs[0].dark == runs[1].dark


def test_cache_hit_and_miss(write, runner):
    path = write("cached.py", 'print("version 1")\n')
    first = runner.run(path)
    second = runner.run(path)
    assert (first.cached, second.cached) == (False, True)
    assert second.stdout == first.stdout == "version 1\n"
    path.write_text('print("version 2")\n', encoding="utf-8")
    third = runner.run(path)
    assert third.cached is False and third.stdout == "version 2\n"
    assert runner.ran == ["snippets/cached.py", "snippets/cached.py"]
    assert runner.from_cache == ["snippets/cached.py"]


def test_cache_survives_a_new_runner(write, tmp_path, runner):
    path = write("persist.py", 'print("kept")\n')
    runner.run(path)
    fresh = Runner(cache_dir=tmp_path / "cache", root=tmp_path)
    try:
        assert fresh.run(path).cached is True
        assert fresh.ran == []
    finally:
        fresh.close()


def test_each_snippet_gets_a_fresh_process(write, tmp_path):
    """Global state a snippet changes (default dtype, open figures, seeds) never reaches the next one."""
    messy = write("messy.py", """
        import matplotlib.pyplot as plt
        import torch
        torch.set_default_dtype(torch.float64)
        torch.rand(100)
        plt.figure()
        import sys
        sys.modules["left_behind"] = sys
    """)
    clean = write("clean.py", """
        import sys
        import matplotlib.pyplot as plt
        import torch
        print(torch.get_default_dtype(), len(plt.get_fignums()), "left_behind" in sys.modules)
        print(torch.rand(2))
    """)
    runner = Runner(cache_dir=None, workers=1, root=tmp_path)
    try:
        results = runner.run_many([messy, clean])
    finally:
        runner.close()
    assert results[messy].error is None
    first_line, second_line = results[clean].stdout.splitlines()
    assert first_line == "torch.float32 0 False"
    import torch

    torch.manual_seed(0)  # every snippet starts from seed 0
    assert second_line == str(torch.rand(2))


def test_snippet_runs_in_an_empty_folder(write, runner):
    path = write("cwd.py", """
        import os
        print(os.listdir("."))
    """)
    assert runner.run(path).stdout == "[]\n"


def test_dark_variant_turns_grey_ink_light_and_keeps_colours(write, runner):
    path = write("ink.py", """
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], color="tab:blue", label="coloured line")
        ax.annotate("", xy=(1, 0), xytext=(0, 1), arrowprops=dict(arrowstyle="->", color="black"))
        ax.set_title("black title")
        plt.show()
    """)
    figure = runner.run(path).figures[0]
    assert "#1f77b4" in figure.light and "#1f77b4" in figure.dark  # the data keeps its colour
    assert "stroke: #000000" in figure.light
    assert "stroke: #000000" not in figure.dark  # spines, ticks and the arrow are light on dark
    assert "fill: #ffffff" in figure.light and "fill: #ffffff" not in figure.dark  # no white paper


def test_all_cached_says_whether_the_warm_process_is_needed(write, runner, tmp_path):
    first, second = write("one.py", 'print("one")\n'), write("two.py", 'print("two")\n')
    assert not runner.all_cached([first, second])
    runner.run(first)
    assert runner.all_cached([first]) and not runner.all_cached([first, second])
    runner.run(second)
    assert runner.all_cached([first, second])
    second.write_text('print("two, edited")\n', encoding="utf-8")
    assert not runner.all_cached([first, second])
    assert not Runner(cache_dir=None, root=tmp_path).all_cached([first])  # no cache: always run


@pytest.mark.parametrize("callers", [None, "glibc.malloc.arena_max=2"])
def test_snippets_see_the_callers_glibc_tunables(write, tmp_path, monkeypatch, callers):
    """The warm process starts with huge pages asked of glibc, but a snippet sees the environment its
    caller had (python snippets/x.py prints the same)."""
    if callers is None:
        monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    else:
        monkeypatch.setenv("GLIBC_TUNABLES", callers)
    path = write("tunables.py", """
        import os
        print(os.environ.get("GLIBC_TUNABLES"), [k for k in os.environ if k.startswith("SITEBUILD_")])
    """)
    runner = Runner(cache_dir=None, root=tmp_path)
    try:
        assert runner.run(path).stdout == f"{callers} []\n"
    finally:
        runner.close()


def _glibc_version() -> tuple[int, ...]:
    import os

    try:
        return tuple(int(part) for part in os.confstr("CS_GNU_LIBC_VERSION").split()[1].split("."))
    except (ValueError, OSError, IndexError):
        return (0,)


def test_warm_heap_is_in_huge_pages_where_the_machine_allows(write, runner):
    """Why a small snippet's fork and exit are cheap (sitebuild/warm_server.py, HUGE_PAGE_TUNABLE): the
    child inherits a heap mapped in 2 MB pages."""
    from pathlib import Path

    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not thp.is_file() or "[never]" in thp.read_text() or _glibc_version() < (2, 35):
        pytest.skip("no transparent huge pages for malloc on this machine (THP off, or glibc < 2.35)")
    path = write("huge.py", """
        import os, re
        rollup = open("/proc/self/smaps_rollup").read()
        print(int(re.search(r"AnonHugePages:\\s+(\\d+) kB", rollup).group(1)) // 1024)
        started_with = open(f"/proc/{os.getppid()}/environ", "rb").read().split(b"\\0")
        print(b"GLIBC_TUNABLES=glibc.malloc.hugetlb=1" in started_with)
    """)
    huge, asked = runner.run(path).stdout.split()
    assert int(huge) >= 32  # MiB: torch's and Python's heap, not a stray page
    assert asked == "True"  # and because the warm process asked (THP may be "always" here)


def test_snippets_that_name_torch_func_run_where_it_is_imported_and_the_others_do_not_wait_for_it(write, runner):
    """The warm process's first process forks most snippets as soon as torch is imported; a second one,
    which has also imported what torch.func's first transform imports, forks those that name it."""
    check = 'import sys\nprint("torch._" + "dynamo" in sys.modules)\n'  # (naming it whole would be routed too)
    plain = write("plain.py", check)
    func = write("uses_func.py", "import torch.func\n" + check)
    results = runner.run_many([plain, func])
    assert results[plain].stdout == "False\n"
    assert results[func].stdout == "True\n"


@pytest.mark.parametrize("source, second_server", [
    ("from torch.func import grad", True),
    ("torch.func.vmap(f)(x)", True),
    ("torch.autograd.functional.hessian(f, x)", True),
    ("torch.optim.SGD([x], lr=0.1)", True),
    ("y.backward()", False),
    ("torch.autograd.grad(y, x)", False),
    ("# a comment on gradients", False),
])
def test_which_snippets_the_torch_func_server_runs(source, second_server):
    """result.needs_torch_func: a guess from the source (a wrong one costs time, never a result)."""
    from sitebuild.result import needs_torch_func

    assert needs_torch_func(source.encode()) is second_server


def test_torch_func_snippets_see_no_compile_cache_setting_of_the_warm_up(write, tmp_path, monkeypatch):
    """The torch.func server's warm-up points torch's compile cache at a folder of its own; the
    snippets it forks see the environment the caller gave (here: no TORCHINDUCTOR_CACHE_DIR)."""
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    path = write("inductor_env.py", """
        import os
        import torch.func
        print(os.environ.get("TORCHINDUCTOR_CACHE_DIR"))
    """)
    runner = Runner(cache_dir=None, root=tmp_path)
    try:
        assert runner.run(path).stdout == "None\n"
    finally:
        runner.close()


def test_what_torch_imports_on_first_use_as_the_build_page_says():
    """docs/how-this-site-is-built.md: `backward(gradient)` and `gradcheck` import sympy, and the first
    torch.func transform imports about 340 more modules, torch._dynamo among them (why the warm process
    imports them before it forks, and why a second server does the latter). In a fresh python."""
    import subprocess
    import sys

    code = textwrap.dedent("""
        import sys
        import torch
        x = torch.ones(2, requires_grad=True)
        (2 * x).backward(torch.ones(2))
        print("sympy" in sys.modules)
        before = len(sys.modules)
        torch.func.grad(lambda t: (t * t).sum())(torch.ones(2))
        print("torch._dynamo" in sys.modules, len(sys.modules) - before)
    """)
    first, second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert first == "True"
    dynamo, added = second.split()
    assert dynamo == "True" and 250 <= int(added) <= 450
    gradcheck = "import sys, torch\ntorch.autograd.gradcheck(torch.sin, (torch.ones(1, dtype=torch.float64, requires_grad=True),))\nprint('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", gradcheck], capture_output=True, text=True, check=True).stdout == "True\n"
