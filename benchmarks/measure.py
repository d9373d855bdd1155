"""Timing, CPU, machine load and memory of the commands a case runs, and what a build says it did
(its build report).

CPU: the benchmark makes itself the reaper of every process it starts (PR_SET_CHILD_SUBREAPER), so
the CPU seconds of a case include the warm server, its children and the kernels. What the rest of
the machine used meanwhile is measured too: on a busy machine the cold build, which uses both cores,
suffers more than a one-core peer, so compare figures taken on a quiet machine (--quiet-wait).

Peak memory (TreeMemory): the sum over a process and all its descendants (MkDocs, the warm server, its
snippet children, the notebook kernel) of RSS, and of PSS, sampled every 50 ms. RSS counts the pages
forked children share with the warm server once per child, so it overstates; PSS divides shared pages
among the processes sharing them.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.sites import REPO
from sitebuild import report


def base_env() -> dict:
    """The environment of every command: none of the build's switches set, a fixed build date."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    for name in ("SITE_EXECUTE", "SNIPPET_CACHE", "LAB_CACHE_DIR", "LAB_RUN_CACHE", "LAB_EXECUTE", "MPLBACKEND", report.ENV):
        env.pop(name, None)
    if "SOURCE_DATE_EPOCH" not in env:  # the scratch copies are not git checkouts
        stamp = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True)
        env["SOURCE_DATE_EPOCH"] = stamp.stdout.strip() or "1700000000"
    return env


class CommandFailed(RuntimeError):
    """A measured command exited with an error; the message holds its output."""


def run_timed(command: list[str], cwd: Path, env: dict, memory: "TreeMemory | None" = None) -> tuple[float, str]:
    """Seconds from starting the command to its exit (what a person at the terminal waits), and its
    output (stdout and stderr together)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if memory is not None:
        memory.watch(process.pid)
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    if memory is not None:
        memory.stop()
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise CommandFailed(f"{' '.join(command)} failed in {cwd}:\n{text}")
    return seconds, text


# -- what a build did ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildCounts:
    ran: int
    cached: int
    snippet_seconds: float  # summed over the snippets that ran
    build_seconds: float  # from the start of the build to the report
    names: tuple[str, ...] = ()  # the snippets that ran
    build: int = 1  # which build of the process (mkdocs serve counts its rebuilds)
    stages: tuple[tuple[str, float], ...] = ()  # seconds per stage, as the report gives them


def build_counts(report_path: Path) -> BuildCounts | None:
    """How many snippets a build ran and took from the cache, read from the build report it wrote
    (sitebuild/report.py); None if there is none (a peer's build) or execution was off."""
    data = report.read(report_path)
    if data is None or not data.get("execute"):
        return None
    snippets = data["snippets"]
    return BuildCounts(
        len(snippets["ran"]), len(snippets["cached"]), round(sum(snippets["seconds"].values()), 3),
        data["seconds"], tuple(snippets["ran"]), data["build"], tuple(data.get("stages", {}).items()),
    )


# -- CPU and load ----------------------------------------------------------------------------------


def become_subreaper() -> bool:
    """Orphans of our children (the warm server once MkDocs exits) become ours, so their CPU counts."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_orphans(deadline: float = 60) -> None:
    """Wait for every process left behind by a case; only called while no other child of ours runs."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


class Meter:
    """CPU seconds used by our processes during a case, and cores busy with anything else."""

    def __enter__(self):
        self._cpu = self._children_cpu()
        self._jiffies = _machine_jiffies()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        reap_orphans()
        wall = time.perf_counter() - self._started
        self.cpu = self._children_cpu() - self._cpu
        busy, total = _machine_jiffies()
        busy_cores = (busy - self._jiffies[0]) / max(1, total - self._jiffies[1]) * (os.cpu_count() or 1)
        self.others = max(0.0, busy_cores - self.cpu / wall)  # average cores used by other processes
        return False

    @staticmethod
    def _children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime


def machine_others(seconds: float = 1.0) -> float:
    """Cores busy right now (we run nothing meanwhile)."""
    before = _machine_jiffies()
    time.sleep(seconds)
    after = _machine_jiffies()
    return (after[0] - before[0]) / max(1, after[1] - before[1]) * (os.cpu_count() or 1)


def wait_until_quiet(limit: float, threshold: float = 0.25) -> float:
    """Wait (up to `limit` seconds) for a second in which other processes use under `threshold` cores."""
    end = time.monotonic() + limit
    while True:
        busy = machine_others()
        if busy < threshold or time.monotonic() > end:
            return busy


# -- memory ----------------------------------------------------------------------------------------


class TreeMemory:
    """Peak of the summed RSS and PSS of a process and all its descendants, read from /proc."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, pid: int) -> None:
        self._thread = threading.Thread(target=self._sample, args=(pid,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    @staticmethod
    def _tree(root: int) -> list[int]:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(parents.get(pid, []))
        return tree

    @staticmethod
    def _rss_pss(pid: int) -> tuple[int, int]:
        rss = pss = 0
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss = int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss = int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return rss, pss

    def _sample(self, root: int) -> None:
        while not self._done.is_set():
            rss = pss = 0
            for pid in self._tree(root):
                one_rss, one_pss = self._rss_pss(pid)
                rss, pss = rss + one_rss, pss + one_pss
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._done.wait(self.interval)


def machine() -> str:
    """The machine and the versions that matter, for the report's first line."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def of(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}), Python {platform.python_version()}, "
        f"torch {of('torch')}, MkDocs {of('mkdocs')}, mkdocs-jupyter {of('mkdocs-jupyter')}, "
        f"markdown-exec {of('markdown-exec')}"
    )
