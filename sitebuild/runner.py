"""Run snippet files and return what they printed, warned and drew. Knows nothing of MkDocs.

One warm process imports torch and matplotlib once (`sitebuild.warm_server`, started in the
background); every snippet then runs in its own fresh child forked from it, as many at a time
as there are cores, each with a timeout that kills only that child. Results are cached on disk,
keyed by the snippet's bytes and the versions of everything that could change its output.

    runner = Runner()
    result = runner.run(Path("snippets/derivatives/x_squared.py"))
    print(result.stdout)
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

# Bump when a change here or in child.py/figures.py changes what a result contains.
RUNNER_VERSION = "4"

REPO_ROOT = Path(__file__).resolve().parent.parent
SNIPPETS_DIR = REPO_ROOT / "snippets"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "snippets"
DEFAULT_TIMEOUT = 60.0
STARTUP_LIMIT = 600.0  # seconds the warm process may take to import torch and fork a child

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


@dataclass
class SnippetResult:
    path: str  # as shown to readers, e.g. "snippets/derivatives/x_squared.py"
    events: list[tuple[str, str]]  # ("stdout" | "stderr" | "warning", text), in the order they happened
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
        self._pool = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="snippet")
        self._lock = threading.Lock()
        self._server: WarmServer | None = None
        self.ran: list[str] = []  # snippets executed (not cached) since the last reset_counts()
        self.from_cache: list[str] = []
        self.run_seconds = 0.0

    def start(self) -> None:
        """Start the warm process now, so torch imports while the caller does other work."""
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
        if cached is not None:
            with self._lock:
                self.from_cache.append(shown)
            future: concurrent.futures.Future = concurrent.futures.Future()
            future.set_result(cached)
            return future
        self.start()
        return self._pool.submit(self._execute, path, shown, key)

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
        data, cacheable, seconds = self._server.execute(path, shown, self.timeout)
        result = SnippetResult(
            path=shown,
            events=[(kind, normalize_output(text)) for kind, text in data["events"]],
            figures=[Figure(**figure) for figure in data["figures"]],
            error=SnippetError(**data["error"]) if data["error"] else None,
            seconds=round(seconds, 3),
        )
        if result.error is not None:
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
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        result = SnippetResult.from_json(data)
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


def _failure(reason: str, kind: str = "RuntimeError") -> dict:
    message = f"the snippet did not finish: {reason}"
    error = {"type": kind, "message": message, "last_line": f"{kind}: {message}", "lineno": None, "traceback": ""}
    return {"events": [], "figures": [], "error": error}


class WarmServer:
    """The parent's handle on `python -m sitebuild.warm_server` (see that module for the protocol)."""

    def __init__(self):
        self._results = tempfile.TemporaryDirectory(prefix="snippet-results-")
        self._stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sitebuild.warm_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPO_ROOT,
            env=env,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._next_id = 0
        self._pids: dict[int, int] = {}
        self._started: dict[int, threading.Event] = {}
        self._finished: dict[int, threading.Event] = {}
        self._status: dict[int, int] = {}
        self._times: dict[int, list[float]] = {}  # when the fork and the exit were reported
        self._reader = threading.Thread(target=self._read_replies, name="warm-server-reader", daemon=True)
        self._reader.start()

    def alive(self) -> bool:
        return self._process.poll() is None

    def execute(self, path: Path, shown: str, timeout: float) -> tuple[dict, bool, float]:
        """Run one snippet in a fresh child; returns (result data, whether it may be cached, seconds
        from the child's fork to its exit)."""
        with self._lock:
            request_id = self._next_id
            self._next_id += 1
            self._started[request_id] = threading.Event()
            self._finished[request_id] = threading.Event()
            result_file = Path(self._results.name) / f"{request_id}.json"
            request = {"id": request_id, "path": str(path), "shown": shown, "result": str(result_file)}
            try:
                self._process.stdin.write(json.dumps(request) + "\n")
                self._process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the reader thread reports the server's death below
        # The clock starts when the child exists, so waiting for the server's imports is not counted.
        self._started[request_id].wait(STARTUP_LIMIT)
        if request_id not in self._pids:
            return _failure("the warm process died:\n" + self.stderr_tail()), False, 0.0
        if not self._finished[request_id].wait(timeout):
            try:
                os.kill(self._pids[request_id], signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._finished[request_id].wait()
            self._times.pop(request_id, None)
            return _failure(f"it ran longer than the {timeout:g} s timeout", "TimeoutError"), False, timeout
        forked, exited = self._times.pop(request_id, [0.0, 0.0])
        seconds = max(0.0, exited - forked)  # measured by the reader thread, as the replies arrive
        status = self._status.get(request_id)
        try:
            data = json.loads(result_file.read_text(encoding="utf-8"))
            result_file.unlink()
            return data, True, seconds
        except (OSError, ValueError):
            return _failure(f"its process died (exit status {status})"), False, seconds

    def _read_replies(self) -> None:
        for line in self._process.stdout:
            reply = json.loads(line)
            request_id = reply["id"]
            if "pid" in reply:
                self._pids[request_id] = reply["pid"]
                self._times[request_id] = [time.perf_counter(), 0.0]
                self._started[request_id].set()
            else:
                self._status[request_id] = reply["status"]
                self._times.setdefault(request_id, [0.0, 0.0])[1] = time.perf_counter()
                self._finished[request_id].set()
        # The server has exited: release everyone still waiting.
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
