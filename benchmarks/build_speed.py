"""How long a contributor and CI wait on this site's build, side by side with what a user would pick instead.

    python benchmarks/build_speed.py            # 3 runs of every case, then `mkdocs serve` latency
    python benchmarks/build_speed.py --runs 5

Cases, each the median of --runs runs, all on scratch copies (the repository's .cache/ and site/ are
never touched):

  (a) cold build: `mkdocs build` with empty caches (snippets and mkdocs-jupyter's notebook cache)
  (b) warm rebuild, nothing changed (the caches of the cold build before it)
  (c) the same site with snippet execution off (SITE_EXECUTE=0), empty caches: the lab notebook still
      executes, exactly as in (a)
  (d) the floor: python -c "import torch, matplotlib.pyplot"
  (e) for reference: every snippet run as `python snippets/<lesson>/<file>.py`, one process each,
      one after the other, MPLBACKEND=Agg, from an empty folder
  (f) the peer: the same snippets as notebooks (one per lesson folder, one cell per snippet, in page
      order) in a scratch site built by mkdocs-jupyter with `execute: true` and `allow_errors: true`
      (so a snippet that is meant to raise shows its error and the notebook goes on), empty cache.
      The peer's site holds only those notebooks: no lesson pages and no lab, so it has less to do.

Targets: (a) <= 1.3 x ((c) + (d)); (b) <= 1.2 x (c); (f) >= 3 x (a); `mkdocs serve` shows a saved
snippet's new output within 3 s. The script exits with status 1 if a target is missed.

Peak memory: one extra cold build (not among the timed runs, so sampling cannot slow them) is sampled
every 50 ms; the figure is the sum over the whole process tree (MkDocs, the warm server, its snippet
children, the notebook kernel) of RSS, and of PSS. RSS counts the pages forked children share with the
warm server once per child, so it overstates; PSS divides shared pages among the processes sharing them.

Serve latency: a scratch copy is served by `mkdocs serve --livereload`; a snippet file is saved with a
new print() and the page that shows it is polled (every 20 ms) until the new output is served; then
the same for a Markdown page. The log of each rebuild says which snippets ran.

CPU: the script makes itself the reaper of every process it starts (PR_SET_CHILD_SUBREAPER), so the
CPU seconds of a case include the warm server, its children and the kernels. What the rest of the
machine used meanwhile is reported too: on a busy machine the cold build, which uses both cores,
suffers more than the one-core peer, so compare figures taken on a quiet machine (--quiet-wait).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitebuild.directive import find_directives  # noqa: E402
from sitebuild.serve_process import ServeError, ServeProcess  # noqa: E402

PYTHON = sys.executable
SITE_PARTS = ("docs", "snippets", "sitebuild", "mkdocs.yml")  # everything `mkdocs build` reads
EDITED_SNIPPET = "snippets/derivatives/x_squared.py"
EDITED_PAGE_URL = "derivatives/"
EDITED_MARKDOWN = "derivatives.md"


# -- helpers ---------------------------------------------------------------------------------------


def base_env() -> dict:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    for name in ("SITE_EXECUTE", "SNIPPET_CACHE", "LAB_CACHE_DIR", "LAB_EXECUTE", "MPLBACKEND"):
        env.pop(name, None)
    if "SOURCE_DATE_EPOCH" not in env:  # the scratch copies are not git checkouts
        stamp = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True)
        env["SOURCE_DATE_EPOCH"] = stamp.stdout.strip() or "1700000000"
    return env


def copy_site(target: Path) -> Path:
    """A copy of what the build reads (the working tree as it is, uncommitted edits included)."""
    target.mkdir(parents=True)
    for part in SITE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / part)
    return target


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


def timed(command: list[str], cwd: Path, env: dict, memory: "TreeMemory | None" = None) -> float:
    """Seconds from starting the command to its exit (what a person at the terminal waits)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if memory is not None:
        memory.watch(process.pid)
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    if memory is not None:
        memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{output.decode(errors='replace')}")
    return seconds


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


def snippets_in_page_order(site: Path) -> list[Path]:
    """Every snippet the site's pages name (nav order, then directive order), each once."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((site / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)

    def pages(nav):
        for item in nav:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            if isinstance(value, list):
                yield from pages(value)
            else:
                yield value

    found: list[Path] = []
    for page in pages(config["nav"]):
        if not page.endswith(".md"):
            continue
        for item in find_directives((site / "docs" / page).read_text(encoding="utf-8")):
            path = site / item.path  # "snippets/<lesson>/<file>.py", relative to mkdocs.yml
            if path not in found:
                found.append(path)
    return found


# -- the cases -------------------------------------------------------------------------------------


def build_cmd(site_dir: Path) -> list[str]:
    return [PYTHON, "-m", "mkdocs", "build", "--quiet", "--strict", "-d", str(site_dir)]


def caches(work: Path) -> dict:
    """Fresh, empty cache folders for one build."""
    folder = Path(tempfile.mkdtemp(prefix="caches-", dir=work))
    return {"SNIPPET_CACHE": str(folder / "snippets"), "LAB_CACHE_DIR": str(folder / "mkdocs-jupyter")}


def case_build(site: Path, work: Path, build_env: dict) -> float:
    """(a) with fresh caches in build_env; (b) with the same build_env again, the caches now full."""
    return timed(build_cmd(work / "out"), site, build_env)


def case_no_execution(site: Path, work: Path, env: dict) -> float:
    return timed(build_cmd(work / "out"), site, dict(env, SITE_EXECUTE="0", **caches(work)))


def case_floor(work: Path, env: dict) -> float:
    return timed([PYTHON, "-c", "import torch, matplotlib.pyplot"], work, env)


def case_one_process_each(snippets: list[Path], work: Path, env: dict) -> float:
    empty = Path(tempfile.mkdtemp(prefix="empty-", dir=work))
    started = time.perf_counter()
    for path in snippets:
        # A snippet meant to raise exits with status 1; that is its expected outcome, not a failure.
        subprocess.run([PYTHON, str(path)], cwd=empty, env=dict(env, MPLBACKEND="Agg"), capture_output=True)
    return time.perf_counter() - started


def make_peer_site(snippets: list[Path], site: Path, target: Path) -> Path:
    import nbformat

    docs = target / "docs"
    docs.mkdir(parents=True)
    lessons: dict[str, list[Path]] = {}
    for path in snippets:
        lessons.setdefault(path.parent.name, []).append(path)
    for lesson, paths in lessons.items():
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.cells = [nbformat.v4.new_code_cell(path.read_text(encoding="utf-8")) for path in paths]
        nbformat.write(notebook, docs / f"{lesson}.ipynb")
    (docs / "index.md").write_text("# Peer\n\nThe site's snippets as notebooks.\n", encoding="utf-8")
    (target / "mkdocs.yml").write_text(
        "site_name: Peer\n"
        "theme:\n  name: material\n  font: false\n"
        "plugins:\n"
        "  - search\n"
        "  - mkdocs-jupyter:\n"
        "      execute: true\n"
        "      allow_errors: true\n"
        "      kernel_name: python3\n"
        "      cache_dir: !ENV [LAB_CACHE_DIR, .cache/mkdocs-jupyter]\n",
        encoding="utf-8",
    )
    return target


def case_peer(peer: Path, work: Path, env: dict) -> float:
    return timed(build_cmd(work / "peer-out"), peer, dict(env, **caches(work)))


# -- mkdocs serve ----------------------------------------------------------------------------------


def _timed_edits(server: ServeProcess, path: Path, addition, runs: int) -> tuple[list[float], list[tuple[str, str]]]:
    """Save `path` with `addition(token)` appended, `runs` times; for each save, the seconds until the
    page serves the new text, and what the rebuild logged: ("N ran, M from the cache", which ran)."""
    original = path.read_text(encoding="utf-8")
    seconds, logged = [], []
    for number in range(runs):
        mark = len(server.lines)
        token = f"benchmark edit {number} {time.time_ns()}"
        path.write_text(original + addition(token), encoding="utf-8")
        seconds.append(server.until_served(EDITED_PAGE_URL, token))
        line = server.wait_for("Snippets: ", after=mark)
        counts = server.lines[line].split("Snippets: ", 1)[1].split(";")[0]
        ran = server.lines[line + 1].split("Snippets that ran: ", 1)[-1].strip() if "1 ran" in counts else ""
        logged.append((counts, ran))
    return seconds, logged


def serve_latency(work: Path, env: dict, runs: int) -> dict:
    site = copy_site(work / "serve-site")
    server = ServeProcess(site, dict(env, **caches(work)))
    try:
        server.until_served(EDITED_PAGE_URL, "snippet-output")
        snippet_seconds, snippet_runs = _timed_edits(
            server, site / EDITED_SNIPPET, lambda token: f'print("{token}")\n', runs
        )
        page_seconds, page_runs = _timed_edits(
            server, site / "docs" / EDITED_MARKDOWN, lambda token: f"\n{token}\n", runs
        )
    except ServeError as exc:
        raise SystemExit(f"mkdocs serve: {exc}") from None
    finally:
        server.stop()
    return {
        "snippet": snippet_seconds,
        "snippet_runs": snippet_runs,
        "page": page_seconds,
        "page_runs": page_runs,
    }


# -- report ----------------------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}), Python {platform.python_version()}, "
        f"torch {version('torch')}, MkDocs {version('mkdocs')}, mkdocs-jupyter {version('mkdocs-jupyter')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (the median is reported; at least 3)")
    parser.add_argument("--no-serve", action="store_true", help="skip the `mkdocs serve` latency")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument(
        "--quiet-wait", type=float, default=0, metavar="SECONDS",
        help="before each round, wait up to this long for other processes to leave the cores idle",
    )
    args = parser.parse_args()
    runs = max(3, args.runs)

    env = base_env()
    accounted = become_subreaper()
    results: dict[str, list[float]] = {key: [] for key in "abcdef"}
    cpu: dict[str, list[float]] = {key: [] for key in "abcdef"}
    others: list[float] = []
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        work = Path(tmp)
        site = copy_site(work / "site")
        snippets = snippets_in_page_order(site)
        peer = make_peer_site(snippets, site, work / "peer")
        lessons = len({path.parent for path in snippets})
        print(f"{machine()}\n{datetime.date.today().isoformat()}: {len(snippets)} snippets in {lessons} lessons; "
              f"{runs} runs of each case, interleaved\n", flush=True)

        def measure(key, case, *case_args):
            with Meter() as meter:
                seconds = case(*case_args)
            results[key].append(seconds)
            cpu[key].append(meter.cpu)
            others.append(meter.others)

        for number in range(runs):  # interleaved, so a slow moment of the machine hits every case alike
            if args.quiet_wait:
                wait_until_quiet(args.quiet_wait)
            measure("d", case_floor, work, env)
            build_env = dict(env, **caches(work))
            measure("a", case_build, site, work, build_env)
            measure("b", case_build, site, work, build_env)  # nothing changed since (a)
            measure("c", case_no_execution, site, work, env)
            measure("e", case_one_process_each, snippets, work, env)
            measure("f", case_peer, peer, work, env)
            print(f"  run {number + 1}: " + ", ".join(f"({k}) {v[-1]:.2f} s" for k, v in results.items())
                  + f"; other processes used {statistics.mean(others[-6:]):.2f} cores meanwhile", flush=True)

        memory = TreeMemory()
        with Meter():
            timed(build_cmd(work / "out"), site, dict(env, **caches(work)), memory)
        latency = None if args.no_serve else serve_latency(work, env, runs)

    median = {key: statistics.median(values) for key, values in results.items()}
    a = median["a"]
    labels = {
        "a": "(a) cold build, empty caches",
        "b": "(b) warm rebuild, nothing changed",
        "c": "(c) snippet execution off (SITE_EXECUTE=0)",
        "d": '(d) floor: import torch, matplotlib.pyplot',
        "e": "(e) each snippet in its own `python` (reference)",
        "f": "(f) peer: mkdocs-jupyter execute: true",
    }
    print("\n| case | median s | runs (s) | × (a) | CPU s |")
    print("| --- | ---: | --- | ---: | ---: |")
    for key, label in labels.items():
        runs_text = ", ".join(f"{value:.2f}" for value in results[key])
        cpu_text = f"{statistics.median(cpu[key]):.1f}" if accounted else "–"
        print(f"| {label} | {median[key]:.2f} | {runs_text} | {median[key] / a:.2f} | {cpu_text} |")

    targets = [
        ("(a) <= 1.3 × ((c) + (d))", a / (median["c"] + median["d"]), "<=", 1.3),
        ("(b) <= 1.2 × (c)", median["b"] / median["c"], "<=", 1.2),
        ("(f) >= 3 × (a)", median["f"] / a, ">=", 3.0),
    ]
    if latency is not None:
        targets.append(("serve: saved snippet served within 3 s", statistics.median(latency["snippet"]), "<=", 3.0))
    print("\n| target | measured | met |")
    print("| --- | ---: | --- |")
    missed = 0
    for name, value, op, limit in targets:
        met = value <= limit if op == "<=" else value >= limit
        missed += not met
        unit = " s" if name.startswith("serve") else " ×"
        print(f"| {name} | {value:.2f}{unit} | {'met' if met else 'MISSED'} |")

    busy = statistics.mean(others)
    print(f"\nOther processes on this machine used {busy:.2f} of {os.cpu_count()} cores on average during the runs"
          + (" (a busy machine: the figures are noisy)" if busy > 0.25 else "") + ".")
    print(f"Peak memory of a cold build (process tree, sampled every 50 ms): "
          f"RSS sum {memory.peak_rss / 2**20:.0f} MiB, PSS sum {memory.peak_pss / 2**20:.0f} MiB")
    if latency is not None:
        print(
            f"mkdocs serve: saved snippet -> new output served in "
            f"{', '.join(f'{s:.2f}' for s in latency['snippet'])} s "
            f"(median {statistics.median(latency['snippet']):.2f} s); "
            f"rebuilds ran: {'; '.join(f'{counts} [{ran}]' for counts, ran in latency['snippet_runs'])}"
        )
        print(
            f"mkdocs serve: saved Markdown page -> served in "
            f"{', '.join(f'{s:.2f}' for s in latency['page'])} s "
            f"(median {statistics.median(latency['page']):.2f} s); rebuilds ran: {'; '.join(counts for counts, _ in latency['page_runs'])}"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine(), "runs": results, "cpu": cpu, "median": median, "latency": latency,
                        "others": others, "peak_rss": memory.peak_rss, "peak_pss": memory.peak_pss}, indent=2),
            encoding="utf-8",
        )
    print("\nAll targets met." if not missed else f"\n{missed} target(s) missed.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
