"""Run snippet files and return what they printed, warned and drew. Knows nothing of MkDocs.

One warm process imports torch and matplotlib once (`sitebuild.warm_server`, started in the
background; it is two processes, the second for the snippets that use torch.func); every snippet
then runs in its own fresh child forked from it, as many at a time as there are cores per process,
each with a timeout that kills only that child. Results are cached on disk,
keyed by the snippet's bytes, the versions of everything that could change its output and the
runner's own source (sitebuild/result.py: no version to bump by hand).

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
import dataclasses
import json
import os
import queue
import re
import stat
import threading
import time
from pathlib import Path

from sitebuild import atomic
from sitebuild.project_watch import project_watch
from sitebuild.result import REPO_ROOT, Figure, Snippet, SnippetError, SnippetResult, cache_key, display_path  # noqa: F401
from sitebuild.warm_server import OUTPUT_LIMIT, WarmServer  # noqa: F401

SNIPPETS_DIR = REPO_ROOT / "snippets"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "snippets"
DEFAULT_TIMEOUT = 60.0
CACHE_LIMIT = 100 * 2**20  # bytes the cache may hold; the entries used least recently go first
RACY_SECONDS = 2.0  # a snippet file this close to being read when it was written is read again next time

# Reprs such as <PowBackward0 object at 0x7f0e12dc31d0> differ on every run; the page shows one form.
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
STABLE_ADDRESS = "0x…"


def normalize_output(text: str) -> str:
    """Replace memory addresses with one stable form, so outputs are the same on every run."""
    return _ADDRESS.sub(STABLE_ADDRESS, text)


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
        # Snippets waiting to run, first come first served, and the threads that run them: at most
        # `workers` children at once per warm process that forks them (sitebuild/warm_server.py: most
        # snippets, and those that need torch.func, which can start a second later). Keyed by
        # Snippet.needs_torch_func.
        self._queues: dict[bool, queue.SimpleQueue] = {False: queue.SimpleQueue(), True: queue.SimpleQueue()}
        self._threads = {False: 0, True: 0}
        self._lock = threading.Lock()
        self._server: WarmServer | None = None
        self._running: set[str] = set()  # snippets whose child is running now
        self.ran: list[str] = []  # snippets executed (not cached) since the last reset_counts()
        self.from_cache: list[str] = []
        self.run_seconds = 0.0
        self._timings: dict[str, float] = {}  # seconds per stage since the last take_timings()
        self._watch = None  # which project files change while a snippet runs (sitebuild/project_watch.py)
        self._snippets: dict[str, tuple] = {}  # path as asked -> (its file's identity, when read, Snippet)
        self._remembered: dict[str, tuple] = {}  # cache key -> (result, its file's identity), for entries read or written
        self._remembered_bytes = 0

    def start(self) -> None:
        """Start the warm process now, so torch imports while the caller does other work. A warm
        process that has died is replaced."""
        with self._lock:
            if self._server is None or not self._server.alive():
                self._server = WarmServer()

    def started(self) -> bool:
        """Whether a warm process has been started (and has not died or been closed)."""
        with self._lock:
            return self._server is not None and self._server.alive()

    def close(self) -> None:
        with self._lock:
            # Each thread ends after the snippets queued before its sentinel, which fail at once
            # (no warm process: _execute).
            for pool, count in self._threads.items():
                for _ in range(count):
                    self._queues[pool].put(None)
                self._threads[pool] = 0
            if self._server is not None:
                self._server.close()
                self._server = None
            if self._watch is not None:
                self._watch.close()
                self._watch = None

    def _project_watch(self):
        with self._lock:
            if self._watch is None or self._watch.root != self.root:  # shared_runner may move the root
                if self._watch is not None:
                    self._watch.close()
                self._watch = project_watch(self.root)
            return self._watch

    # -- running ----------------------------------------------------------------------------------

    def snippet(self, path) -> Snippet:
        """The snippet at `path` as this runner shows it (a missing file raises FileNotFoundError, a
        folder IsADirectoryError). A file unchanged since this runner last read it (same inode, size
        and mtime) is not read, hashed and resolved again: a `mkdocs serve` rebuild asks for thousands."""
        name = os.fspath(path)
        info = os.stat(name)
        if not stat.S_ISREG(info.st_mode):  # a folder, or a pipe that would block the build
            raise IsADirectoryError(name) if stat.S_ISDIR(info.st_mode) else OSError(f"not a file: {name}")
        signature = (info.st_ino, info.st_size, info.st_mtime_ns, self.root)
        known = self._snippets.get(name)
        # As git's "racily clean" rule: a file written within RACY_SECONDS of being read may have been
        # written again in the same tick of the file system's clock, with the same size: read it again.
        if known is None or known[0] != signature or info.st_mtime_ns >= known[1] - int(RACY_SECONDS * 1e9):
            if len(self._snippets) >= 20_000:
                self._snippets.clear()
            read_at = time.time_ns()
            known = self._snippets[name] = (signature, read_at, Snippet.at(path, self.root))
        return dataclasses.replace(known[2], pages=set())

    def submit(self, snippet) -> concurrent.futures.Future:
        """Start running one snippet (a Snippet or a path), or fetch it from the cache; the future gives
        a SnippetResult."""
        if not isinstance(snippet, Snippet):
            snippet = self.snippet(snippet)
        cached = self._read_cache(snippet.key)
        future: concurrent.futures.Future = concurrent.futures.Future()
        if cached is not None:
            with self._lock:
                self.from_cache.append(snippet.shown)
            future.set_result(cached)
            return future
        self.start()
        pool = snippet.needs_torch_func
        self._queues[pool].put((future, snippet))
        with self._lock:
            if self._threads[pool] < self.workers:
                self._threads[pool] += 1
                # Daemon threads: Ctrl-C or a failed build exits at once instead of waiting for
                # threads that wait on children.
                threading.Thread(target=self._work, args=(pool,), name=f"snippets {self._threads[pool]}", daemon=True).start()
        return future

    def _work(self, pool: bool) -> None:
        """One of a pool's threads: run its queued snippets one after the other, until close()."""
        while True:
            job = self._queues[pool].get()
            if job is None:
                return
            future, snippet = job
            try:
                future.set_result(self._execute(snippet))
            except BaseException as exc:  # noqa: BLE001 - the caller sees it from future.result()
                future.set_exception(exc)

    def all_cached(self, paths) -> bool:
        """Whether every one of these snippets has a cached result (so the warm process is not needed)."""
        if self.cache_dir is None:
            return False
        for path in paths:
            if not (self.cache_dir / f"{self.snippet(path).key}.json").is_file():
                return False
        return True

    def run_notebook(self, path, timeout: float = 600.0) -> dict:
        """A notebook's cells run in one child of the warm process, as a kernel would run them (see
        sitebuild/notebook_child.py); the executed notebook, as nbformat JSON."""
        self.start()
        with self._lock:
            server = self._server
        return server.run_notebook(Path(path).resolve(), timeout)

    def run_many(self, paths) -> dict[Path, SnippetResult]:
        futures = {Path(p): self.submit(p) for p in paths}
        return {p: f.result() for p, f in futures.items()}

    def run(self, path) -> SnippetResult:
        return self.submit(path).result()

    def _time(self, stage: str, seconds: float) -> None:
        with self._lock:
            self._timings[stage] = self._timings.get(stage, 0.0) + seconds

    def take_timings(self) -> dict[str, float]:
        """Seconds spent per stage (warm process start, snippet runs, cache reads and writes) since
        the last call, for the build report."""
        with self._lock:
            timings, self._timings = self._timings, {}
            server = self._server
        if server is not None and server.ready_seconds is not None and not server.ready_reported:
            server.ready_reported = True
            timings["warm process start"] = server.ready_seconds
        return timings

    def reset_counts(self) -> None:
        with self._lock:
            self.ran, self.from_cache, self.run_seconds = [], [], 0.0

    def _execute(self, snippet: Snippet) -> SnippetResult:
        with self._lock:
            server = self._server
            if server is None:  # closed while the snippet waited in its queue
                return SnippetResult.did_not_finish(snippet.shown, "RunnerError", "the runner was closed before it ran")
            neighbours = set(self._running)
            self._running.add(snippet.shown)
        watch = self._project_watch()
        before = watch.mark()
        try:
            result, cacheable = server.execute(snippet, self.timeout)
        finally:
            with self._lock:
                self._running.discard(snippet.shown)
                neighbours |= self._running
        changed = watch.changes_since(before)
        result.events = [(kind, normalize_output(text)) for kind, text in result.events]
        seconds, result.seconds = result.seconds, round(result.seconds, 3)
        if changed:  # a snippet writes only in its own folder: anything else breaks the next build
            cacheable = False
            others = f" (or by {', '.join(sorted(neighbours))}, which ran at the same time)" if neighbours else ""
            message = f"while it ran, files of the project were changed{others}: {', '.join(changed)}"
            if result.error is not None:
                message += f"; it also failed: {result.error.last_line}"
            result.error = SnippetError.of_runner("RunnerError", message)
        if result.error is not None:
            cacheable = cacheable and result.error.origin == "snippet"  # a runner failure says nothing lasting
            result.error.message = normalize_output(result.error.message)
            result.error.last_line = normalize_output(result.error.last_line)
        with self._lock:
            self.ran.append(snippet.shown)
            self.run_seconds += seconds
        self._time("snippet runs", seconds)
        if cacheable:
            self._write_cache(snippet.key, result)
        return result

    # -- cache ------------------------------------------------------------------------------------

    def _read_cache(self, key: str) -> SnippetResult | None:
        """The cached result, or None: a missing, truncated or foreign-shaped entry is a miss (and is
        overwritten when the snippet has run). An entry this runner has read or written before comes
        from memory (a `mkdocs serve` rebuild reads thousands), as long as its file is still there."""
        if self.cache_dir is None:
            return None
        started = time.perf_counter()
        entry = self.cache_dir / f"{key}.json"
        try:
            remembered = self._remembered.get(key)
            if remembered is not None and remembered[1] == _signature(entry):
                self._remember(key, remembered[0], entry)  # a new mtime: just used (see prune_cache)
                return dataclasses.replace(remembered[0], cached=True)
            result = self._read_entry(entry)
            if result is not None:
                self._remember(key, result, entry)
            return result
        finally:
            self._time("cache reads", time.perf_counter() - started)

    def _remember(self, key: str, result: SnippetResult, entry: Path) -> None:
        """Keep `result` in memory with its file's identity, after marking the file as just used."""
        try:
            now = time.time_ns()
            os.utime(entry, ns=(now, now))  # its mtime says when it was last used: prune_cache drops the oldest
            signature = _signature(entry)
        except OSError:
            return
        size = sum(len(text) for _, text in result.events) + sum(len(f.light) + len(f.dark) for f in result.figures)
        with self._lock:
            if self._remembered_bytes + size > CACHE_LIMIT:  # no more than the disk cache holds
                self._remembered.clear()
                self._remembered_bytes = 0
            if key not in self._remembered:
                self._remembered_bytes += size
            self._remembered[key] = (result, signature)

    @staticmethod
    def _read_entry(entry: Path) -> SnippetResult | None:
        try:
            result = SnippetResult.from_json(json.loads(entry.read_text(encoding="utf-8")))
        except Exception:  # noqa: BLE001 - whatever is wrong with the entry, running the snippet fixes it
            return None
        result.cached = True
        return result

    def _write_cache(self, key: str, result: SnippetResult) -> None:
        if self.cache_dir is None:
            return
        started = time.perf_counter()
        target = self.cache_dir / f"{key}.json"
        atomic.write_text(target, json.dumps(result.to_json()))
        self._remember(key, result, target)
        self._time("cache writes", time.perf_counter() - started)

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


def _signature(entry: Path) -> tuple | None:
    """What changes when a cache file is replaced, rewritten or touched (None: it is gone)."""
    try:
        info = os.stat(entry)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


_shared: Runner | None = None
_shared_lock = threading.Lock()


def executes() -> bool:
    """Whether the build runs snippets (SITE_EXECUTE=0: it shows their code only)."""
    return os.environ.get("SITE_EXECUTE", "1") != "0"


def project_runner(root: Path) -> Runner:
    """The shared runner for the site whose mkdocs.yml is in `root`, as the environment sets it up:
    SNIPPET_CACHE (a folder, or "off"; default .cache/snippets) and SNIPPET_TIMEOUT (seconds, default 60)."""
    cache = os.environ.get("SNIPPET_CACHE", str(Path(root) / ".cache" / "snippets"))
    return shared_runner(
        cache_dir=None if cache == "off" else Path(cache),
        timeout=float(os.environ.get("SNIPPET_TIMEOUT", str(DEFAULT_TIMEOUT))),
        root=Path(root),
    )


def start_unless_cached(root: Path) -> Runner:
    """The project's runner, with its warm process starting now, unless every snippet under
    root/snippets is cached (a build that runs nothing needs no torch)."""
    runner = project_runner(root)
    if not runner.all_cached((Path(root) / "snippets").rglob("*.py")):
        runner.start()
    return runner


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
