"""Run snippet files and return what they printed, warned and drew. Knows nothing of MkDocs.

One warm process imports torch and matplotlib once (`sitebuild.warm_server`, started in the
background); every snippet then runs in its own fresh child forked from it, as many at a time
as there are cores, each with a timeout that kills only that child. Results are cached on disk,
keyed by the snippet's bytes and the versions of everything that could change its output.

Failures of the runner itself (the child died, the timeout, the warm process died, the snippet
changed the project's files) are errors with origin "runner": they never match `raises=`, and they
are never cached. Nothing here waits without a bound: waiting threads are daemons, and the warm
process's death releases every snippet still waiting.

    runner = Runner()
    result = runner.run(Path("snippets/derivatives/x_squared.py"))
    print(result.stdout)
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import linecache
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from sitebuild.child import MARK

# Bump when a change here or in child.py/figures.py changes what a result contains.
RUNNER_VERSION = "5"

REPO_ROOT = Path(__file__).resolve().parent.parent
SNIPPETS_DIR = REPO_ROOT / "snippets"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "snippets"
DEFAULT_TIMEOUT = 60.0
STARTUP_LIMIT = 600.0  # seconds the warm process may take to import torch and fork a child
OUTPUT_LIMIT = 100_000  # bytes of output (stdout and warnings) a page shows per snippet; a note says what was cut
CACHE_LIMIT = 100 * 2**20  # bytes the cache may hold; the entries used least recently go first

# Reprs such as <PowBackward0 object at 0x7f0e12dc31d0> differ on every run; the page shows one form.
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
STABLE_ADDRESS = "0x…"


def normalize_output(text: str) -> str:
    """Replace memory addresses with one stable form, so outputs are the same on every run."""
    return _ADDRESS.sub(STABLE_ADDRESS, text)


@dataclass
class Figure:
    light: str  # SVG text
    dark: str  # SVG text, recoloured for a dark page
    width: int  # CSS pixels
    height: int


@dataclass
class SnippetError:
    type: str
    message: str
    last_line: str  # what Python prints last, e.g. "RuntimeError: grad can be implicitly created ..."
    lineno: int | None  # the line of the snippet file it came from, if any
    traceback: str
    origin: str = "snippet"  # "runner": the runner's failure (crash, timeout …), never an expected exception


@dataclass
class SnippetResult:
    path: str  # as shown to readers, e.g. "snippets/derivatives/x_squared.py"
    events: list[tuple[str, str]]  # ("stdout" | "stderr" | "warning" | "note", text), in the order they happened
    figures: list[Figure] = field(default_factory=list)
    error: SnippetError | None = None
    seconds: float = 0.0
    cached: bool = False

    @property
    def stdout(self) -> str:
        return "".join(text for kind, text in self.events if kind == "stdout")

    @property
    def warnings(self) -> str:
        return "".join(text for kind, text in self.events if kind == "warning")

    def to_json(self) -> dict:
        data = asdict(self)
        del data["cached"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SnippetResult":
        return cls(
            path=data["path"],
            events=[tuple(event) for event in data["events"]],
            figures=[Figure(**figure) for figure in data["figures"]],
            error=SnippetError(**data["error"]) if data["error"] else None,
            seconds=data["seconds"],
        )


def display_path(path: Path, root: Path = REPO_ROOT) -> str:
    """The path a reader sees: relative to the project root when the file is inside it."""
    path = path.resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


_VERSIONS: str | None = None


def library_versions() -> str:
    """Versions that can change a snippet's output, read without importing the libraries."""
    global _VERSIONS
    if _VERSIONS is None:
        names = ("torch", "matplotlib", "numpy")
        _VERSIONS = ";".join([f"python={platform.python_version()}"] + [f"{n}={metadata.version(n)}" for n in names])
    return _VERSIONS


def cache_key(source: bytes, shown_path: str) -> str:
    digest = hashlib.sha256()
    for part in (RUNNER_VERSION, library_versions(), shown_path):
        digest.update(part.encode() + b"\0")
    digest.update(source)
    return digest.hexdigest()


class Runner:
    """Runs snippets in parallel children of one warm process, with a disk cache in front."""

    def __init__(
        self,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int | None = None,
        root: Path = REPO_ROOT,
    ):
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.root = Path(root)  # paths are shown to readers relative to this folder
        self.timeout = timeout
        self.workers = workers or os.cpu_count() or 1
        self._slots = threading.Semaphore(self.workers)  # children running at once
        self._lock = threading.Lock()
        self._server: WarmServer | None = None
        self._running: set[str] = set()  # snippets whose child is running now
        self.ran: list[str] = []  # snippets executed (not cached) since the last reset_counts()
        self.from_cache: list[str] = []
        self.run_seconds = 0.0

    def start(self) -> None:
        """Start the warm process now, so torch imports while the caller does other work. A warm
        process that has died is replaced."""
        with self._lock:
            if self._server is None or not self._server.alive():
                self._server = WarmServer()

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None

    # -- running ----------------------------------------------------------------------------------

    def submit(self, path) -> concurrent.futures.Future:
        """Start running one snippet (or fetch it from the cache); the future gives a SnippetResult."""
        path = Path(path).resolve()
        shown = display_path(path, self.root)
        source = path.read_bytes()  # a missing file raises FileNotFoundError here, at once
        key = cache_key(source, shown)
        cached = self._read_cache(key)
        future: concurrent.futures.Future = concurrent.futures.Future()
        if cached is not None:
            with self._lock:
                self.from_cache.append(shown)
            future.set_result(cached)
            return future
        self.start()
        # A daemon thread per snippet (at most `workers` run at once): Ctrl-C or a failed build exits at
        # once instead of waiting for threads that wait on children.
        threading.Thread(target=self._fulfil, args=(future, path, shown, key), name=f"snippet {shown}", daemon=True).start()
        return future

    def _fulfil(self, future: concurrent.futures.Future, path: Path, shown: str, key: str) -> None:
        with self._slots:
            try:
                future.set_result(self._execute(path, shown, key))
            except BaseException as exc:  # noqa: BLE001 - the caller sees it from future.result()
                future.set_exception(exc)

    def all_cached(self, paths) -> bool:
        """Whether every one of these snippets has a cached result (so the warm process is not needed)."""
        if self.cache_dir is None:
            return False
        for path in paths:
            path = Path(path).resolve()
            key = cache_key(path.read_bytes(), display_path(path, self.root))
            if not (self.cache_dir / f"{key}.json").is_file():
                return False
        return True

    def run_many(self, paths) -> dict[Path, SnippetResult]:
        futures = {Path(p): self.submit(p) for p in paths}
        return {p: f.result() for p, f in futures.items()}

    def run(self, path) -> SnippetResult:
        return self.submit(path).result()

    def reset_counts(self) -> None:
        with self._lock:
            self.ran, self.from_cache, self.run_seconds = [], [], 0.0

    def _execute(self, path: Path, shown: str, key: str) -> SnippetResult:
        with self._lock:
            server = self._server
            neighbours = set(self._running)
            self._running.add(shown)
        before = project_state(self.root)
        try:
            data, cacheable, seconds = server.execute(path, shown, self.timeout)
        finally:
            with self._lock:
                self._running.discard(shown)
                neighbours |= self._running
        changed = changes(before, project_state(self.root), self.root)
        result = SnippetResult(
            path=shown,
            events=[(kind, normalize_output(text)) for kind, text in data["events"]],
            figures=[Figure(**figure) for figure in data["figures"]],
            error=SnippetError(**data["error"]) if data["error"] else None,
            seconds=round(seconds, 3),
        )
        if changed:  # a snippet writes only in its own folder: anything else breaks the next build
            cacheable = False
            others = f" (or by {', '.join(sorted(neighbours))}, which ran at the same time)" if neighbours else ""
            message = f"while it ran, files of the project were changed{others}: {', '.join(changed)}"
            if result.error is not None:
                message += f"; it also failed: {result.error.last_line}"
            result.error = SnippetError(**runner_error("RunnerError", message))
        if result.error is not None:
            cacheable = cacheable and result.error.origin == "snippet"  # a runner failure says nothing lasting
            result.error.message = normalize_output(result.error.message)
            result.error.last_line = normalize_output(result.error.last_line)
        with self._lock:
            self.ran.append(shown)
            self.run_seconds += seconds
        if cacheable:
            self._write_cache(key, result)
        return result

    # -- cache ------------------------------------------------------------------------------------

    def _read_cache(self, key: str) -> SnippetResult | None:
        """The cached result, or None: a missing, truncated or foreign-shaped entry is a miss (and is
        overwritten when the snippet has run)."""
        if self.cache_dir is None:
            return None
        entry = self.cache_dir / f"{key}.json"
        try:
            result = SnippetResult.from_json(json.loads(entry.read_text(encoding="utf-8")))
            os.utime(entry)  # its mtime says when it was last used: prune_cache drops the oldest
        except Exception:  # noqa: BLE001 - whatever is wrong with the entry, running the snippet fixes it
            return None
        result.cached = True
        return result

    def _write_cache(self, key: str, result: SnippetResult) -> None:
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_dir / f"{key}.json"
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(json.dumps(result.to_json()), encoding="utf-8")
        partial.replace(target)  # atomic: a reader never sees half a file

    def prune_cache(self, limit: int = CACHE_LIMIT) -> int:
        """Keep the cache under `limit` bytes, deleting the entries used least recently; returns how
        many were deleted. The hook calls it after every build."""
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return 0
        entries = []
        for entry in os.scandir(self.cache_dir):
            try:
                info = entry.stat()
            except OSError:
                continue
            entries.append((info.st_mtime_ns, info.st_size, entry.path))
        total, deleted = sum(size for _, size, _ in entries), 0
        for _, size, name in sorted(entries):
            if total <= limit:
                break
            try:
                os.unlink(name)
            except OSError:
                continue
            total, deleted = total - size, deleted + 1
        return deleted


def project_state(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of the files a snippet must not touch: the top-level files (mkdocs.yml,
    README.md …) and everything under docs/ and snippets/. About a millisecond for this site."""
    state: dict[str, tuple[int, int]] = {}

    def add(folder: str, recurse: bool) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if recurse:
                        add(entry.path, True)
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            state[entry.path] = (info.st_size, info.st_mtime_ns)

    add(str(root), False)
    for name in ("docs", "snippets"):
        add(str(root / name), True)
    return state


def changes(before: dict, after: dict, root: Path) -> list[str]:
    def name(path: str) -> str:
        return Path(path).relative_to(root).as_posix()

    found = [f"{name(p)} (created)" for p in after if p not in before]
    found += [f"{name(p)} (deleted)" for p in before if p not in after]
    found += [f"{name(p)} (changed)" for p in after if p in before and after[p] != before[p]]
    return sorted(found)


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


def runner_error(kind: str, message: str, lineno: int | None = None, trace: str = "") -> dict:
    """An error of the runner's own (origin "runner"): it never matches a page's raises=."""
    return {"type": kind, "message": message, "last_line": f"{kind}: {message}", "lineno": lineno, "traceback": trace, "origin": "runner"}


def _failure(kind: str, message: str, events: list | None = None, lineno: int | None = None, trace: str = "") -> dict:
    message = f"the snippet did not finish: {message}"
    return {"events": events or [], "figures": [], "error": runner_error(kind, message, lineno, trace)}


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


class WarmServer:
    """The parent's handle on `python -m sitebuild.warm_server` (see that module for the protocol)."""

    def __init__(self):
        self._results = tempfile.TemporaryDirectory(prefix="snippet-results-")
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sitebuild.warm_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPO_ROOT,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._dead = False  # set once, by the reader, when the server's stdout closes
        self._next_id = 0
        self._pids: dict[int, int] = {}
        self._workdirs: dict[int, str] = {}
        self._started: dict[int, threading.Event] = {}
        self._finished: dict[int, threading.Event] = {}
        self._status: dict[int, int] = {}
        self._times: dict[int, list[float]] = {}  # when the fork and the exit were reported
        self._reader = threading.Thread(target=self._read_replies, name="warm-server-reader", daemon=True)
        self._reader.start()

    def alive(self) -> bool:
        return not self._dead and self._process.poll() is None

    def execute(self, path: Path, shown: str, timeout: float) -> tuple[dict, bool, float]:
        """Run one snippet in a fresh child; returns (result data, whether it may be cached, seconds
        from the child's fork to its exit)."""
        with self._lock:
            if self._dead:
                return self._server_died(), False, 0.0
            request_id = self._next_id
            self._next_id += 1
            self._started[request_id] = threading.Event()
            self._finished[request_id] = threading.Event()
            base = Path(self._results.name) / str(request_id)
            request = {"id": request_id, "path": str(path), "shown": shown, "base": str(base)}
            try:
                self._process.stdin.write(json.dumps(request) + "\n")
                self._process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the reader thread reports the server's death below
        try:
            return self._wait(request_id, path, shown, base, timeout)
        finally:
            for suffix in (".json", ".out", ".err", ".trace", ".json.partial"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)

    def _wait(self, request_id: int, path: Path, shown: str, base: Path, timeout: float) -> tuple[dict, bool, float]:
        # The clock starts when the child exists, so waiting for the server's imports is not counted.
        self._started[request_id].wait(STARTUP_LIMIT)
        if request_id not in self._pids:
            return self._server_died(), False, 0.0
        pid = self._pids[request_id]
        if not self._finished[request_id].wait(timeout):
            # faulthandler in the child writes its stack on SIGUSR1; then its whole group goes.
            for signum, pause in ((signal.SIGUSR1, 0.3), (signal.SIGKILL, None)):
                try:
                    os.killpg(pid, signum) if signum == signal.SIGKILL else os.kill(pid, signum)
                except ProcessLookupError:
                    pass
                self._finished[request_id].wait(pause)
            lineno, trace = _stack_line(Path(f"{base}.trace"), path)
            where = f"; it was at {_at(shown, path, lineno)}" if lineno else ""
            events = read_output(Path(f"{base}.out"))
            self._times.pop(request_id, None)
            message = f"it ran longer than the {timeout:g} s timeout{where}"
            return _failure("TimeoutError", message, events, lineno, trace), False, timeout
        forked, exited = self._times.pop(request_id, [0.0, 0.0])
        seconds = max(0.0, exited - forked)  # measured by the reader thread, as the replies arrive
        status = self._status.get(request_id)
        events = read_output(Path(f"{base}.out"))
        if status is None:  # released by the server's death, not by the child's exit
            return self._server_died(), False, seconds
        try:
            data = json.loads(Path(f"{base}.json").read_text(encoding="utf-8"))
            return {"events": events, "figures": data["figures"], "error": data["error"]}, True, seconds
        except (OSError, ValueError, KeyError):
            lineno, trace = _stack_line(Path(f"{base}.trace"), path)
            where = f" at {_at(shown, path, lineno)}" if lineno else ""
            message = f"its process died ({_how_it_ended(status)}){where}"
            return _failure("RunnerError", message, events, lineno, trace), False, seconds

    def _server_died(self) -> dict:
        status = self._process.poll()
        message = (
            f"the warm process that runs the snippets died ({_how_it_ended(status)}), so every snippet still"
            " waiting fails with it (a snippet that kills its parent process does this)"
        )
        tail = self.stderr_tail().strip()
        return _failure("RunnerError", message + (f":\n{tail}" if tail else ""))

    def _read_replies(self) -> None:
        try:
            for line in self._process.stdout:
                reply = json.loads(line)
                request_id = reply["id"]
                if "pid" in reply:
                    self._pids[request_id] = reply["pid"]
                    self._workdirs[request_id] = reply["workdir"]
                    self._times[request_id] = [time.perf_counter(), 0.0]
                    self._started[request_id].set()
                else:
                    self._status[request_id] = reply["status"]
                    self._times.setdefault(request_id, [0.0, 0.0])[1] = time.perf_counter()
                    self._finished[request_id].set()
        except (ValueError, KeyError, OSError):
            pass
        # The server has gone: nothing it ran may outlive it, and nobody may wait for it any longer.
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        with self._lock:
            self._dead = True
            running = [r for r in self._pids if r not in self._status]
            for request_id in running:
                try:
                    os.killpg(self._pids[request_id], signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                shutil.rmtree(self._workdirs[request_id], ignore_errors=True)
            for event in list(self._started.values()) + list(self._finished.values()):
                event.set()

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


_shared: Runner | None = None
_shared_lock = threading.Lock()


def shared_runner(**options) -> Runner:
    """One Runner per process, so its warm process and counters survive `mkdocs serve` rebuilds."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Runner(**options)
        else:
            for name, value in options.items():
                setattr(_shared, name, Path(value) if name in ("cache_dir", "root") and value else value)
        return _shared
