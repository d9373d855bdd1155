"""What runs inside one snippet's fresh child process.

The warm parent has already imported torch and matplotlib; this module runs the snippet file as the
real `__main__` module, in an empty folder, and collects its figures at `plt.show()` and at exit.

Output is captured at the file-descriptor level, as a terminal would see it: fd 1 (Python's prints,
C code, `subprocess.run(["echo", …])`, `os.system`) goes to the `.out` file. Python-level stderr
writes and warnings go into the same file as framed records (`frame()`), so they keep their place
among the prints; whatever reaches fd 2 directly (a subprocess's stderr) goes to the `.err` file and
is moved into `.out` as a stderr record before the snippet's next Python-level write. The parent
(warm_server.read_output) splits `.out` back into events. Figures and the exception go to `.json`.
"""

from __future__ import annotations

import atexit
import faulthandler
import io
import json
import linecache
import os
import random
import signal
import sys
import threading
import traceback
import types
import warnings

from sitebuild.result import Figure, SnippetError, SnippetResult

# A record inside the .out file: MARK, kind, ":", payload length, "\0", payload. Plain output never
# holds "\0\x1b" in practice; the length makes a record's payload safe to hold anything.
MARK = b"\0\x1bsnippet:"


def frame(kind: str, payload: bytes) -> bytes:
    return MARK + f"{kind}:{len(payload)}".encode() + b"\0" + payload


class _Capture:
    """The child's fds 1 and 2, and how Python-level stderr writes are framed into fd 1."""

    def __init__(self, base: str):
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND  # appends: writers never overwrite each other
        for suffix, fd in ((".out", 1), (".err", 2)):
            opened = os.open(base + suffix, flags, 0o600)
            os.dup2(opened, fd)  # inherited by the snippet's subprocesses
            os.close(opened)
        self.err = os.open(base + ".err", os.O_RDONLY)
        self.err_read = 0  # bytes of .err already moved into .out
        self.pid = os.getpid()  # forked workers (multiprocessing) write, but only the child moves .err

    def move_stderr(self) -> None:
        """fd-2 output written so far goes into .out now, before the next Python-level write."""
        if os.getpid() != self.pid:
            return
        while os.fstat(self.err).st_size > self.err_read:
            data = os.pread(self.err, 1 << 20, self.err_read)
            self.err_read += len(data)
            _write_all(frame("stderr", data))

    def write_framed(self, kind: str, payload: bytes) -> None:
        if sys.stdout is not None and not sys.stdout.closed:
            sys.stdout.flush()
        self.move_stderr()
        _write_all(frame(kind, payload))


def _write_all(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(1, view) :]


class _StdoutFile(io.FileIO):
    """fd 1 for sys.stdout: moves pending fd-2 output in first, so the two keep their order."""

    capture: _Capture

    def write(self, data) -> int:
        self.capture.move_stderr()
        return super().write(data)


class _FramedStderr(io.RawIOBase):
    def __init__(self, capture: _Capture):
        self.capture = capture

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.capture.write_framed("stderr", bytes(data))
        return len(data)


def _streams(capture: _Capture):
    """sys.stdout and sys.stderr as `python` makes them for a UTF-8 pipe: encoding, .buffer, line buffering."""
    raw = _StdoutFile(1, "w", closefd=False)
    raw.capture = capture
    # Line buffered, as on a terminal: a print lands before a subprocess started after it writes.
    stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", line_buffering=True)
    framed = io.BufferedWriter(_FramedStderr(capture))
    stderr = io.TextIOWrapper(framed, encoding="utf-8", errors="backslashreplace", line_buffering=True, write_through=True)
    return stdout, stderr


def seed_libraries() -> None:
    """numpy's and torch's generators at seed 0, set once in the warm process: a fork copies their
    state, so every child starts from seed 0 without paying for torch.manual_seed (milliseconds each,
    most of it torch queueing the seed for devices this machine does not have)."""
    import numpy
    import torch

    numpy.random.seed(0)
    torch.manual_seed(0)


def seed_python() -> None:
    """`random` at seed 0, in the child: CPython reseeds it from the OS in every forked child."""
    random.seed(0)


# Our own modules, which the warm process has imported; listed there once (sys.modules is thousands
# of names long) and removed in every child (run_snippet).
OWN_MODULES: list[str] = []


def list_own_modules() -> list[str]:
    OWN_MODULES[:] = [name for name in sys.modules if name.partition(".")[0] == "sitebuild"]
    return OWN_MODULES


def _figure_collector(display_path: str, figures: list):
    """A replacement for plt.show(): turn every open figure into SVG and close it."""
    import matplotlib.pyplot as plt

    from sitebuild.figures import figure_variants

    def collect(*args, **kwargs):
        for number in plt.get_fignums():
            fig = plt.figure(number)
            salt = f"{display_path}#{len(figures)}"
            light, dark, size = figure_variants(fig, salt)
            figures.append(Figure(light, dark, size[0], size[1]))
            plt.close(fig)

    return collect


def _from_snippet(tb, path: str):
    """The traceback from the snippet's own frame on: the runner's frames are noise to a reader."""
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return tb


def _error_info(exc: BaseException, path: str, origin: str = "snippet") -> SnippetError:
    """The exception's type, message, last line and the snippet line it came from."""
    lineno = None
    if isinstance(exc, SyntaxError) and exc.filename == path:
        lineno = exc.lineno
    for frame_, line in traceback.walk_tb(exc.__traceback__):
        if frame_.f_code.co_filename == path:
            lineno = line
    last_line = traceback.format_exception_only(type(exc), exc)[-1].rstrip("\n")
    trace = "".join(traceback.format_exception(type(exc), exc, _from_snippet(exc.__traceback__, path)))
    return SnippetError(type(exc).__name__, str(exc), last_line, lineno, trace, origin)


def _main_module(path: str) -> types.ModuleType:
    """A real module for sys.modules["__main__"], as `python path` makes it: pickle and
    multiprocessing find the snippet's functions and classes there."""
    from importlib.machinery import SourceFileLoader

    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__loader__ = SourceFileLoader("__main__", path)
    module.__spec__ = None  # as for a script run by path
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    return module


class _HideBuildPackage:
    """A reader's python has no `sitebuild`: importing it from a snippet fails as it would there."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] == "sitebuild":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def run_snippet(path: str, display_path: str, capture: _Capture) -> SnippetResult:
    """Run the file at `path` as __main__ (cwd: an empty folder) and return its figures and exception
    (its output is in the capture's file, read by the parent)."""
    import matplotlib.pyplot as plt

    figures: list = []
    error = None
    sys.argv = [path]
    # As `python path` has them: the script's folder first, not this repository (the warm process's cwd).
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:] = [os.path.dirname(path)] + [entry for entry in sys.path[1:] if entry not in (ours, "")]

    def show_warning(message, category, filename, lineno, file=None, line=None):
        if filename == path:  # name the snippet as readers know it, with its source line
            filename, line = display_path, linecache.getline(path, lineno)
        text = warnings.formatwarning(message, category, filename, lineno, line)
        capture.write_framed("warning", text.encode("utf-8", "backslashreplace"))

    plt.show = _figure_collector(display_path, figures)
    warnings.showwarning = show_warning
    for name in OWN_MODULES or list_own_modules():
        sys.modules.pop(name, None)  # imported by the warm process; `import sitebuild` must fail as under python
    sys.meta_path.insert(0, _HideBuildPackage())  # installed editable, it would import from anywhere
    seed_python()
    sys.stdout, sys.stderr = _streams(capture)
    sys.__stdout__, sys.__stderr__ = sys.stdout, sys.stderr
    atexit._clear()  # the warm process's exit handlers are not the snippet's (the child ends in os._exit)
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec")
        exec(code, _main_module(path).__dict__)
    except BaseException as exc:  # noqa: BLE001 - a snippet may raise anything, SystemExit included
        if not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
            error = _error_info(exc, path)
    # As at the end of `python`: wait for the snippet's non-daemon threads, then run its exit handlers.
    threading._shutdown()
    atexit._run_exitfuncs()
    try:
        plt.show()  # figures left open at exit are shown too, like a script's last window
    except Exception as exc:  # noqa: BLE001
        error = error or _error_info(exc, path)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - the snippet may have closed or replaced it
            pass
    capture.move_stderr()
    return SnippetResult(display_path, figures=figures, error=error)


def run_snippet_to_file(path: str, display_path: str, base: str, workdir: str) -> None:
    """Run the snippet with its output captured in `base`.out and write figures and error to `base`.json
    (written whole, then renamed into place)."""
    os.chdir(workdir)  # like running it in an empty folder: no snippet can lean on our cwd
    capture = _Capture(base)
    # A crash (segfault) or the parent's SIGUSR1 at a timeout writes the stack here: the parent reports the line.
    trace = os.open(base + ".trace", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    faulthandler.enable(trace)
    faulthandler.register(signal.SIGUSR1, trace)
    try:
        result = run_snippet(path, display_path, capture)
    except BaseException as exc:  # noqa: BLE001 - report runner bugs instead of dying silently
        result = SnippetResult(display_path, error=_error_info(exc, path, "runner"))
    partial = base + ".json.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(result.to_json(), handle)
    os.replace(partial, base + ".json")
