"""The warm process: import torch and matplotlib once, then fork a fresh child for every snippet;
and `WarmServer`, the parent's handle on it (the bottom of this module).

Started by `WarmServer` (for `runner.Runner`) as `python -m sitebuild.warm_server`. It speaks JSON lines:

    stdin  <- {"id": 3, "path": "/abs/snippet.py", "shown": "snippets/x/y.py", "base": "/tmp/…/3"}
    stdout -> {"id": 3, "pid": 4242, "workdir": "/tmp/snippet-…"}   the child has been forked
    stdout -> {"id": 3, "status": 0}              the child has exited (status < 0: killed by a signal)

The child writes its output to `base`.out and its result (see child.run_snippet_to_file) to
`base`.json. The server never waits on a child in a way that blocks (only, when it stops, up to 5 s
for its second server): it watches stdin and SIGCHLD together, so children run in parallel and a
parent can kill one (the timeout) without disturbing the others.

Two processes fork the children, so that the snippets need not wait for what few of them use.
This one is ready once torch, matplotlib and sympy are imported, and forks the children of most
snippets. It then forks its "torch.func server" (`_start_func_server`): a copy of itself that imports
what the first torch.func transform imports (torch._dynamo and ~340 modules, about half a second) and then
forks the children of the lab notebook and of the snippets whose source names torch.func, vmap,
jacrev, hessian, torch.optim and the like (`result.needs_torch_func`: only a guess, a wrong one costs
time, never a result). The first process forwards it those requests through a pipe; it replies on the same
stdout (one write per line, so the lines of the two never mix). Either one's death ends the other.

Each child leads its own process group, so whatever it starts (`subprocess.Popen(["sleep", "600"])`,
a multiprocessing pool) is killed with it when it exits (a process that left the group for a session
of its own is adopted by this process, a subreaper, and killed too); its working folder is removed
here, since a killed child cannot remove it. When stdin closes (the parent has gone) or on SIGINT/SIGTERM
(Ctrl-C reaches the whole foreground group), the server kills every child's group and exits at once.
"""

from __future__ import annotations

import gc
import json
import linecache
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from sitebuild.child import MARK
from sitebuild.result import REPO_ROOT, Snippet, SnippetResult

# glibc's malloc asks for transparent huge pages for its heap (glibc >= 2.35; older ones ignore it).
# The warm heap holds ~120 MB of torch's and Python's objects: in 2 MB pages, a fork copies 512
# times fewer page-table entries and an exit frees 512 times fewer, which is most of a small snippet's
# cost (benchmarks: the children of a cold build use about a fifth less CPU). Children still copy
# only the 4 kB they write. The server puts the caller's own setting back before any snippet runs.
HUGE_PAGE_TUNABLE = "glibc.malloc.hugetlb=1"
CALLERS_TUNABLES = "SITEBUILD_CALLERS_GLIBC_TUNABLES"

STARTUP_LIMIT = 600.0  # seconds the warm process may take to import torch and fork a child
OUTPUT_LIMIT = 100_000  # bytes of output (stdout and warnings) a page shows per snippet; a note says what was cut


# Modules torch imports lazily, on first use, that a child would otherwise import again and again:
# symbolic_shapes (and sympy, ~0.3 s) comes with backward(gradient) and gradcheck.
# Missing ones (another torch release) are skipped; they only cost time.
LAZY_MODULES = (
    "numpy.random",  # seeded here, before forking (child.seed_libraries)
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
    import sitebuild.notebook_child  # noqa: F401
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


def _ready_to_fork() -> None:
    """The state every child starts from: libraries seeded, our module names listed, and every object
    so far moved out of the garbage collector's sight (gc.freeze), so that a collection in a child does
    not walk, and so copy, the whole warm heap (about 7 % of the snippets' time). No collection first:
    after the imports it takes 0.2 s and finds about 12,000 unreachable objects of 400,000."""
    from sitebuild.child import list_own_modules, seed_libraries

    seed_libraries()
    list_own_modules()
    gc.freeze()
    gc.enable()  # off while importing (see serve): the snippets run with Python's usual collector


WARM_UP_CACHE = "SITEBUILD_WARM_UP_CACHE"  # set by WarmServer: a folder of its own, removed when it closes
_warm_up_cache: str | None = None  # popped from the environment at the start (serve): no snippet sees it


def _warm_up_torch_func() -> None:
    """The first torch.func transform imports ~340 modules (torch._dynamo among them, about half a
    second): do it once here, so the children that use grad/vmap/jacrev/hessian start with them imported."""
    import torch

    # The transforms make torch's compile-cache folder (TORCHINDUCTOR_CACHE_DIR, default
    # $TMPDIR/torchinductor_<user>) and set that variable: the folder goes where the parent's results
    # go, which the parent removes even if this process is killed halfway, and the variable is put back.
    callers = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    if _warm_up_cache:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = _warm_up_cache
    try:
        x = torch.ones(3)
        torch.func.vmap(torch.func.grad(lambda t: (t * t).sum()))(x.unsqueeze(1))
        torch.func.jacrev(torch.sin)(x)
        torch.func.hessian(lambda t: t.pow(3).sum())(x)
        torch.func.jvp(torch.sin, (x,), (x,))
    except Exception:  # noqa: BLE001 - another torch release: only time is lost
        pass
    finally:
        if callers is None:
            os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
        else:
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = callers


def _for_func_server(request: dict) -> bool:
    """The lab, and snippets whose source names torch.func & co. (result.needs_torch_func)."""
    return request.get("kind") == "notebook" or bool(request.get("func"))


_INHERITED_PIPES: list[int] = []  # the servers' private pipe ends, closed in every snippet's child


def _start_func_server() -> tuple[int, int]:
    """Fork the torch.func server; returns (its pid, the pipe to write its requests to). The fork
    itself never returns: it warms up, serves the requests it is sent, and exits."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(write_end)
        _die_with_parent(parent)
        code = 0
        try:
            gc.disable()  # as in serve(), for the ~340 modules of the warm-up
            _warm_up_torch_func()
            _ready_to_fork()
            _INHERITED_PIPES[:] = [read_end]
            _serve_requests(read_end)
        except KeyboardInterrupt:  # Ctrl-C during the warm-up: the first server stops too
            code = 1
        except BaseException:  # noqa: BLE001 - a bug: said on stderr, and the first server stops too
            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(read_end)
    _INHERITED_PIPES[:] = [write_end]
    return pid, write_end


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
    for fd in _INHERITED_PIPES:  # a forwarding pipe held open here would hide the other server's death
        os.close(fd)
    code = 0
    try:
        if request.get("kind") == "notebook":
            from sitebuild.notebook_child import run_notebook_to_file

            run_notebook_to_file(request["path"], request["base"], workdir)
        else:
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
    # One write of a line shorter than PIPE_BUF (4096 bytes) is atomic: both servers write to this pipe.
    line = (json.dumps(message) + "\n").encode()
    view = memoryview(line)
    while view:
        view = view[os.write(1, view) :]


def _end_child(pid: int, workdir: str) -> None:
    """Kill what the child left running in its group and remove its folder."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    shutil.rmtree(workdir, ignore_errors=True)


def _end_escaped(children: dict, helper: int | None = None) -> None:
    """A process that left its snippet's group (start_new_session=True) is adopted by this process,
    the subreaper, when its parent exits: end every adopted process outside a running snippet's group
    (but not `helper`: the torch.func server, a child of this process too)."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as listing:
            adopted = [int(pid) for pid in listing.read().split()]
    except OSError:  # not Linux: only the process groups are killed
        return
    for pid in adopted:
        try:
            if pid != helper and pid not in children and os.getpgid(pid) not in children:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _restore_callers_environment() -> None:
    """Snippets see the environment they were given: our own variables are taken out (glibc read
    GLIBC_TUNABLES when this process started; the warm-up's cache folder is kept in a global)."""
    global _warm_up_cache
    _warm_up_cache = os.environ.pop(WARM_UP_CACHE, None)
    callers = os.environ.pop(CALLERS_TUNABLES, None)
    if callers is None:
        return
    if callers:
        os.environ["GLIBC_TUNABLES"] = callers
    else:
        os.environ.pop("GLIBC_TUNABLES", None)


def _server_environment(warm_up_cache: Path) -> dict:
    env = dict(os.environ, **{WARM_UP_CACHE: str(warm_up_cache)})
    callers = env.get("GLIBC_TUNABLES", "")
    env[CALLERS_TUNABLES] = callers
    env["GLIBC_TUNABLES"] = f"{callers}:{HUGE_PAGE_TUNABLE}" if callers else HUGE_PAGE_TUNABLE
    return env


HELPER_DIED = "the torch.func server died"


def serve() -> None:
    _restore_callers_environment()
    # Importing torch makes about a million objects: with the collector on, it walks them again and
    # again (a sixth of the import's time). It is on again before the first fork (_ready_to_fork).
    gc.disable()
    _preload()
    _ready_to_fork()
    helper, forward = _start_func_server()
    reason = None
    try:
        reason = _serve_requests(0, forward, helper)
    finally:
        os.close(forward)  # the torch.func server reads its end of the pipe and stops...
        try:
            os.kill(helper, signal.SIGTERM)  # ...or now, if it is still warming up
        except ProcessLookupError:
            pass
        _wait_a_little(helper)
    if reason == HELPER_DIED:
        sys.exit(1)  # not a clean stop: the parent reports the warm process's death (and stderr says which)


def _serve_requests(request_fd: int, forward: int | None = None, helper: int | None = None):
    """Fork a child for every request read from `request_fd` (or pass it on to `forward`, the torch.func
    server's pipe, if it needs that), until the fd closes, a signal stops it, or the helper dies.
    Returns why it stopped."""
    stopping = []
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # only to wake the selector
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    selector = selectors.DefaultSelector()
    selector.register(request_fd, selectors.EVENT_READ, "request")
    selector.register(wake_r, selectors.EVENT_READ, "child")
    children: dict[int, tuple[int, str]] = {}  # pid -> (request id, working folder)
    server = os.getpid()
    _subreaper()
    try:
        _loop(selector, request_fd, wake_r, children, stopping, server, forward, helper)
    finally:  # stopping, or the parent's pipe broke: no child may outlive the server
        for pid, (_, workdir) in children.items():
            _end_child(pid, workdir)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        _end_escaped({}, helper)
    return stopping[0] if stopping else None


def _wait_a_little(pid: int, seconds: float = 5.0) -> None:
    """Reap the torch.func server, which stops when its pipe closes; killed if it takes longer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            return
        time.sleep(0.01)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _subreaper() -> None:
    """Linux: orphans of the snippets' processes become this process's children (see _end_escaped)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _loop(selector, request_fd, wake_r, children, stopping, server, forward=None, helper=None) -> None:
    pending = b""  # raw reads, split into lines here: a buffered stdin would hide queued requests
    while not stopping:
        for key, _ in selector.select(timeout=1.0):
            if key.data == "request":
                chunk = os.read(request_fd, 65536)
                if not chunk:  # the parent has gone: nobody waits for the running children
                    stopping.append("requests closed")
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    request = json.loads(line)
                    if forward is not None and _for_func_server(request):
                        try:
                            os.write(forward, line + b"\n")  # one write: shorter than PIPE_BUF
                        except OSError:  # the torch.func server is gone: the reaping below stops this one
                            pass
                        continue
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
            if pid == helper:  # the torch.func server died: the requests sent to it would wait forever
                if not stopping:
                    how = _how_it_ended(os.waitstatus_to_exitcode(status))
                    print(f"{HELPER_DIED} ({how})", file=sys.stderr, flush=True)
                stopping.append(HELPER_DIED)
                continue
            if pid not in children:  # an adopted orphan (see _end_escaped)
                continue
            request_id, workdir = children.pop(pid)
            _send({"id": request_id, "status": os.waitstatus_to_exitcode(status)})  # first: the parent waits
            _end_child(pid, workdir)
            _end_escaped(children, helper)


# -- the parent's side ----------------------------------------------------------------------------


@dataclass
class _Request:
    """What the parent knows of one request while it runs; dropped when the request ends."""

    base: Path  # the child writes base.out, base.json, base.trace
    started: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None
    workdir: str | None = None
    status: int | None = None  # the child's exit status, once reported
    forked: float = 0.0  # perf_counter when the fork and the exit were reported
    exited: float = 0.0


class WarmServer:
    """The parent's handle on `python -m sitebuild.warm_server`."""

    def __init__(self):
        self._results = tempfile.TemporaryDirectory(prefix="snippet-results-")
        self._stderr = tempfile.TemporaryFile()
        self._spawned = time.perf_counter()
        self.ready_seconds: float | None = None  # from the start to the first child's fork (torch imported)
        self.ready_reported = False  # by Runner.take_timings, into one build report
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sitebuild.warm_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPO_ROOT,
            env=_server_environment(Path(self._results.name) / "torchinductor"),
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._dead = False  # set once, by the reader, when the server's stdout closes
        self._next_id = 0
        self._requests: dict[int, _Request] = {}  # only the requests under way
        self._reader = threading.Thread(target=self._read_replies, name="warm-server-reader", daemon=True)
        self._reader.start()

    def alive(self) -> bool:
        return not self._dead and self._process.poll() is None

    def execute(self, snippet: Snippet, timeout: float) -> tuple[SnippetResult, bool]:
        """Run one snippet in a fresh child; returns its result (seconds: from the child's fork to its
        exit; events not yet normalized) and whether it may be cached."""
        request_id, request = self._request(path=str(snippet.file), shown=snippet.shown, func=snippet.needs_torch_func)
        try:
            if request is None:
                return self._server_died(snippet), False
            return self._wait(request, snippet, timeout)
        finally:
            self._drop(request_id, request)

    def run_notebook(self, path: Path, timeout: float) -> dict:
        """Run a notebook's code cells in one fresh child (one namespace, as a kernel); returns the
        executed notebook (nbformat JSON). Raises RuntimeError if the child could not finish it."""
        request_id, request = self._request(kind="notebook", path=str(path))
        try:
            if request is None or not request.started.wait(STARTUP_LIMIT) or request.pid is None:
                raise RuntimeError(f"the warm process died before it could run {path.name}:\n{self.stderr_tail()}")
            if not request.finished.wait(timeout):
                try:
                    os.killpg(request.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                request.finished.wait()
                raise RuntimeError(f"{path.name} ran longer than the {timeout:g} s timeout")
            try:
                return json.loads(Path(f"{request.base}.ipynb").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                how = _how_it_ended(request.status) if request.status is not None else "the warm process died"
                raise RuntimeError(f"the process running {path.name} died ({how})") from None
        finally:
            self._drop(request_id, request)

    def _request(self, **fields) -> tuple[int, _Request | None]:
        """Send one request; its record (None if the server is dead)."""
        with self._lock:
            request_id = self._next_id
            self._next_id += 1
            if self._dead:
                return request_id, None
            request = self._requests[request_id] = _Request(Path(self._results.name) / str(request_id))
            message = {"id": request_id, "base": str(request.base), **fields}
            try:
                self._process.stdin.write(json.dumps(message) + "\n")
                self._process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the reader thread reports the server's death
        return request_id, request

    def _drop(self, request_id: int, request: _Request | None) -> None:
        with self._lock:
            self._requests.pop(request_id, None)
        if request is not None:
            for suffix in (".json", ".out", ".err", ".trace", ".json.partial", ".ipynb", ".ipynb.partial"):
                Path(f"{request.base}{suffix}").unlink(missing_ok=True)

    def _wait(self, request: _Request, snippet: Snippet, timeout: float) -> tuple[SnippetResult, bool]:
        base, file, shown = request.base, snippet.file, snippet.shown
        # The clock starts when the child exists, so waiting for the server's imports is not counted.
        request.started.wait(STARTUP_LIMIT)
        if request.pid is None:
            return self._server_died(snippet), False
        if not request.finished.wait(timeout):
            # faulthandler in the child writes its stack on SIGUSR1; then its whole group goes.
            for signum, pause in ((signal.SIGUSR1, 0.3), (signal.SIGKILL, None)):
                try:
                    os.killpg(request.pid, signum) if signum == signal.SIGKILL else os.kill(request.pid, signum)
                except ProcessLookupError:
                    pass
                request.finished.wait(pause)
            lineno, trace = _stack_line(Path(f"{base}.trace"), file)
            where = f"; it was at {_at(shown, file, lineno)}" if lineno else ""
            events = read_output(Path(f"{base}.out"))
            message = f"it ran longer than the {timeout:g} s timeout{where}"
            result = SnippetResult.did_not_finish(shown, "TimeoutError", message, events, lineno, trace)
            result.seconds = timeout
            return result, False
        seconds = max(0.0, request.exited - request.forked)  # measured by the reader thread, as the replies arrive
        events = read_output(Path(f"{base}.out"))
        if request.status is None:  # released by the server's death, not by the child's exit
            result = self._server_died(snippet)
            result.seconds = seconds
            return result, False
        try:
            result = SnippetResult.from_json(json.loads(Path(f"{base}.json").read_text(encoding="utf-8")))
            cacheable = True
        except (OSError, ValueError, KeyError, TypeError):
            lineno, trace = _stack_line(Path(f"{base}.trace"), file)
            where = f" at {_at(shown, file, lineno)}" if lineno else ""
            message = f"its process died ({_how_it_ended(request.status)}){where}"
            result = SnippetResult.did_not_finish(shown, "RunnerError", message, (), lineno, trace)
            cacheable = False
        result.events, result.seconds = events, seconds
        return result, cacheable

    def _server_died(self, snippet: Snippet) -> SnippetResult:
        status = self._process.poll()
        message = (
            f"the warm process that runs the snippets died ({_how_it_ended(status)}), so every snippet still"
            " waiting fails with it (a snippet that kills its parent process does this)"
        )
        tail = self.stderr_tail().strip()
        return SnippetResult.did_not_finish(snippet.shown, "RunnerError", message + (f":\n{tail}" if tail else ""))

    def _read_replies(self) -> None:
        try:
            for line in self._process.stdout:
                reply = json.loads(line)
                with self._lock:
                    request = self._requests.get(reply["id"])
                if request is None:
                    continue
                if "pid" in reply:
                    request.pid, request.workdir, request.forked = reply["pid"], reply["workdir"], time.perf_counter()
                    if self.ready_seconds is None:
                        self.ready_seconds = request.forked - self._spawned
                    request.started.set()
                else:
                    request.status, request.exited = reply["status"], time.perf_counter()
                    request.finished.set()
        except (ValueError, KeyError, OSError):
            pass
        # The server has gone: nothing it ran may outlive it, and nobody may wait for it any longer.
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        with self._lock:
            self._dead = True
            for request in self._requests.values():
                if request.pid is not None and request.status is None:
                    try:
                        os.killpg(request.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                    shutil.rmtree(request.workdir, ignore_errors=True)
                request.started.set()
                request.finished.set()

    def stderr_tail(self, limit: int = 4000) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._results.cleanup()


def read_output(path: Path, limit: int = OUTPUT_LIMIT) -> list[tuple[str, str]]:
    """A child's .out file as events: plain bytes are stdout, framed records (child.frame) stderr and
    warnings, in the order written. Linear in the size; past `limit` bytes, a "note" event says what was cut."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit)
            total = os.fstat(handle.fileno()).st_size
    except OSError:
        return []
    events: list[tuple[str, list[bytes]]] = []

    def add(kind: str, chunk: bytes) -> None:
        if events and events[-1][0] == kind:
            events[-1][1].append(chunk)
        elif chunk:
            events.append((kind, [chunk]))

    position = 0
    while position < len(data):
        mark = data.find(MARK, position)
        if mark != position:
            end = len(data) if mark < 0 else mark
            add("stdout", data[position:end])
            position = end
            continue
        header_end = data.find(b"\0", mark + len(MARK))
        kind, _, length = data[mark + len(MARK) : header_end].decode("ascii", "replace").partition(":")
        if header_end < 0 or not length.isdigit():  # cut off by the limit
            break
        start = header_end + 1
        add(kind, data[start : start + int(length)])
        position = start + int(length)
    if total > limit:
        add("note", f"[output cut: the snippet wrote {total:,} bytes; a page shows the first {limit:,}]\n".encode())
    return [(kind, b"".join(chunks).decode("utf-8", "replace")) for kind, chunks in events]


def _how_it_ended(status: int | None) -> str:
    if status is not None and status < 0:
        try:
            return f"killed by signal {-status}, {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


def _stack_line(trace: Path, path: Path) -> tuple[int | None, str]:
    """The snippet's innermost line in a faulthandler dump (a crash, or SIGUSR1 at the timeout)."""
    try:
        text = trace.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, ""
    for match in re.finditer(r'File "(.*)", line (\d+)', text):
        if match.group(1) == str(path):
            return int(match.group(2)), text
    return None, text


def _at(shown: str, path: Path, lineno: int) -> str:
    linecache.checkcache(str(path))  # under mkdocs serve the file may have changed since
    return f"{shown}:{lineno}: {linecache.getline(str(path), lineno).strip()}"


if __name__ == "__main__":
    serve()
