"""What runs inside one snippet's fresh child process.

The warm parent has already imported torch and matplotlib; this module runs the snippet file as
`__main__`, records what it printed and warned (in order), and collects its figures at `plt.show()`
and at exit. Everything is sent back to the parent as plain data over a pipe.
"""

from __future__ import annotations

import json
import linecache
import os
import random
import shutil
import sys
import tempfile
import traceback
import warnings


class _Recorder:
    """A text stream that appends to a shared event list, so stdout and warnings keep their order."""

    def __init__(self, events: list, kind: str):
        self.events = events
        self.kind = kind

    def write(self, text: str) -> int:
        if text:
            if self.events and self.events[-1][0] == self.kind:
                self.events[-1][1] += text
            else:
                self.events.append([self.kind, text])
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _seed_everything() -> None:
    import numpy
    import torch

    random.seed(0)
    numpy.random.seed(0)
    torch.manual_seed(0)


def _figure_collector(display_path: str, figures: list):
    """A replacement for plt.show(): turn every open figure into SVG and close it."""
    import matplotlib.pyplot as plt

    from sitebuild.figures import figure_variants

    def collect(*args, **kwargs):
        for number in plt.get_fignums():
            fig = plt.figure(number)
            salt = f"{display_path}#{len(figures)}"
            light, dark, size = figure_variants(fig, salt)
            figures.append({"light": light, "dark": dark, "width": size[0], "height": size[1]})
            plt.close(fig)

    return collect


def _from_snippet(tb, path: str):
    """The traceback from the snippet's own frame on: the runner's frames are noise to a reader."""
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return tb


def _error_info(exc: BaseException, path: str) -> dict:
    """The exception's type, message, last line and the snippet line it came from."""
    lineno = None
    if isinstance(exc, SyntaxError) and exc.filename == path:
        lineno = exc.lineno
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            lineno = line
    last_line = traceback.format_exception_only(type(exc), exc)[-1].rstrip("\n")
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "last_line": last_line,
        "lineno": lineno,
        "traceback": "".join(traceback.format_exception(type(exc), exc, _from_snippet(exc.__traceback__, path))),
    }


def run_snippet(path: str, display_path: str) -> dict:
    """Run the file at `path` as __main__ and return its events, figures and exception (if any)."""
    import matplotlib.pyplot as plt

    events: list = []
    figures: list = []
    error = None
    workdir = tempfile.mkdtemp(prefix="snippet-")
    os.chdir(workdir)  # like running it in an empty folder: no snippet can lean on our cwd
    sys.argv = [path]

    def show_warning(message, category, filename, lineno, file=None, line=None):
        if filename == path:  # name the snippet as readers know it, with its source line
            filename, line = display_path, linecache.getline(path, lineno)
        events_out.write(warnings.formatwarning(message, category, filename, lineno, line))

    events_out = _Recorder(events, "warning")
    plt.show = _figure_collector(display_path, figures)
    warnings.showwarning = show_warning
    _seed_everything()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Recorder(events, "stdout"), _Recorder(events, "stderr")
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec")
        exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})
    except BaseException as exc:  # noqa: BLE001 - a snippet may raise anything, SystemExit included
        if not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
            error = _error_info(exc, path)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    try:
        plt.show()  # figures left open at exit are shown too, like a script's last window
    except Exception as exc:  # noqa: BLE001
        error = error or _error_info(exc, path)
    os.chdir(tempfile.gettempdir())
    shutil.rmtree(workdir, ignore_errors=True)
    return {"events": events, "figures": figures, "error": error}


def run_snippet_to_file(path: str, display_path: str, result_file: str) -> None:
    """Run the snippet and write its result as JSON (written whole, then renamed into place)."""
    try:
        result = run_snippet(path, display_path)
    except BaseException as exc:  # noqa: BLE001 - report runner bugs instead of dying silently
        result = {"events": [], "figures": [], "error": _error_info(exc, path)}
    partial = result_file + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(partial, result_file)
