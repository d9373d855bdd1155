"""The warm process: import torch and matplotlib once, then fork a fresh child for every snippet.

Started by `runner.Runner` as `python -m sitebuild.warm_server`. It speaks JSON lines:

    stdin  <- {"id": 3, "path": "/abs/snippet.py", "shown": "snippets/x/y.py", "base": "/tmp/…/3"}
    stdout -> {"id": 3, "pid": 4242, "workdir": "/tmp/snippet-…"}   the child has been forked
    stdout -> {"id": 3, "status": 0}              the child has exited (status < 0: killed by a signal)

The child writes its output to `base`.out and its result (see child.run_snippet_to_file) to
`base`.json. The server never waits on a child in a way that blocks: it watches stdin and SIGCHLD
together, so children run in parallel and a parent can kill one (the timeout) without disturbing
the others.

Each child leads its own process group, so whatever it starts (`subprocess.Popen(["sleep", "600"])`,
a multiprocessing pool) is killed with it when it exits (a process that left the group for a session
of its own is adopted by this process, a subreaper, and killed too); its working folder is removed
here, since a killed child cannot remove it. When stdin closes (the parent has gone) or on SIGINT/SIGTERM
(Ctrl-C reaches the whole foreground group), the server kills every child's group and exits at once.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import sys
import tempfile


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


def _run_child(request: dict, workdir: str, server: int) -> None:
    """In the forked child: detach from the protocol pipes, run the snippet, write the result, exit."""
    from sitebuild.child import run_snippet_to_file

    os.setpgid(0, 0)  # its own group: killed as a whole, and out of reach of the terminal's Ctrl-C
    _die_with_parent(server)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # C-level writes must not corrupt the JSON protocol on stdout (the child redirects 1 and 2)
        os.dup2(devnull, fd)
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.set_wakeup_fd(-1)
    code = 0
    try:
        run_snippet_to_file(request["path"], request["shown"], request["base"], workdir)
    except BaseException:  # noqa: BLE001 - the parent reports a missing result file
        code = 1
    os._exit(code)


def _die_with_parent(server: int) -> None:
    """Linux: the kernel kills the child if the warm process dies (kill -9), so no snippet runs on unwatched."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != server:  # it died before the line above
        os._exit(1)


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _end_child(pid: int, workdir: str) -> None:
    """Kill what the child left running in its group and remove its folder."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    shutil.rmtree(workdir, ignore_errors=True)


def _end_escaped(children: dict) -> None:
    """A process that left its snippet's group (start_new_session=True) is adopted by this process,
    the subreaper, when its parent exits: end every adopted process outside a running snippet's group."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as listing:
            adopted = [int(pid) for pid in listing.read().split()]
    except OSError:  # not Linux: only the process groups are killed
        return
    for pid in adopted:
        try:
            if pid not in children and os.getpgid(pid) not in children:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def serve() -> None:
    _preload()
    stopping = []
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # only to wake the selector
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "request")
    selector.register(wake_r, selectors.EVENT_READ, "child")
    children: dict[int, tuple[int, str]] = {}  # pid -> (request id, working folder)
    server = os.getpid()
    _subreaper()
    try:
        _loop(selector, wake_r, children, stopping, server)
    finally:  # stopping, or the parent's pipe broke: no child may outlive the server
        for pid, (_, workdir) in children.items():
            _end_child(pid, workdir)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        _end_escaped({})


def _subreaper() -> None:
    """Linux: orphans of the snippets' processes become this process's children (see _end_escaped)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _loop(selector, wake_r, children, stopping, server) -> None:
    pending = b""  # raw reads, split into lines here: a buffered stdin would hide queued requests
    while not stopping:
        for key, _ in selector.select(timeout=1.0):
            if key.data == "request":
                chunk = os.read(0, 65536)
                if not chunk:  # the parent has gone: nobody waits for the running children
                    stopping.append("stdin closed")
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    request = json.loads(line)
                    workdir = tempfile.mkdtemp(prefix="snippet-")
                    pid = os.fork()
                    if pid == 0:
                        _run_child(request, workdir, server)
                    try:
                        os.setpgid(pid, pid)  # also here, so the group exists before anyone kills it
                    except (PermissionError, ProcessLookupError):
                        pass
                    children[pid] = (request["id"], workdir)
                    _send({"id": request["id"], "pid": pid, "workdir": workdir})
            else:
                os.read(wake_r, 4096)
        while True:  # reap every child that has exited, however many signals were merged
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid not in children:  # an adopted orphan (see _end_escaped)
                continue
            request_id, workdir = children.pop(pid)
            _send({"id": request_id, "status": os.waitstatus_to_exitcode(status)})  # first: the parent waits
            _end_child(pid, workdir)
            _end_escaped(children)


if __name__ == "__main__":
    serve()
