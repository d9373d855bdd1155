"""The warm process: import torch and matplotlib once, then fork a fresh child for every snippet.

Started by `runner.Runner` as `python -m sitebuild.warm_server`. It speaks JSON lines:

    stdin  <- {"id": 3, "path": "/abs/snippet.py", "shown": "snippets/x/y.py", "result": "/tmp/…/3.json"}
    stdout -> {"id": 3, "pid": 4242}              the child has been forked
    stdout -> {"id": 3, "status": 0}              the child has exited (status < 0: killed by a signal)

The child writes its result (see child.run_snippet) as JSON to the "result" file. The server never
waits on a child in a way that blocks: it watches stdin and SIGCHLD together, so children run in
parallel and a parent can kill one (the timeout) without disturbing the others.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sys


# Modules torch imports lazily, on first use, that a child would otherwise import again and again:
# symbolic_shapes (and sympy, ~0.3 s) comes with backward(gradient) and gradcheck.
# Missing ones (another torch release) are skipped; they only cost time.
LAZY_MODULES = (
    "numpy.random",  # the child seeds it
    "torch._subclasses.schema_check_mode",  # the first autograd call
    "torch.fx.experimental.symbolic_shapes",
)


def _preload() -> None:
    """The slow imports every snippet shares, plus one throwaway figure to load fonts and the SVG backend."""
    import importlib

    import matplotlib

    matplotlib.use("Agg")  # no windows: figures are collected as SVG at plt.show()
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401
    import torch  # noqa: F401

    import sitebuild.child  # noqa: F401
    from sitebuild.figures import to_svg

    for name in LAZY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="warm-up")
    ax.set_xlabel("x")
    ax.legend()
    to_svg(fig, "warm-up")
    plt.close(fig)


def _run_child(request: dict) -> None:
    """In the forked child: detach from the protocol pipes, run the snippet, write the result, exit."""
    from sitebuild.child import run_snippet_to_file

    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # C-level writes must not corrupt the JSON protocol on stdout
        os.dup2(devnull, fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    code = 0
    try:
        run_snippet_to_file(request["path"], request["shown"], request["result"])
    except BaseException:  # noqa: BLE001 - the parent reports a missing result file
        code = 1
    os._exit(code)


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve() -> None:
    _preload()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # only to wake the selector
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "request")
    pending = b""  # raw reads, split into lines here: a buffered stdin would hide queued requests
    selector.register(wake_r, selectors.EVENT_READ, "child")
    children: dict[int, int] = {}  # pid -> request id
    stdin_open = True
    while stdin_open or children:
        for key, _ in selector.select(timeout=1.0):
            if key.data == "request":
                chunk = os.read(0, 65536)
                if not chunk:  # the parent has gone: finish the running children, then exit
                    selector.unregister(0)
                    stdin_open = False
                    continue
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    request = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        _run_child(request)
                    children[pid] = request["id"]
                    _send({"id": request["id"], "pid": pid})
            else:
                os.read(wake_r, 4096)
        while children:  # reap every child that has exited, however many signals were merged
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            _send({"id": children.pop(pid), "status": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
