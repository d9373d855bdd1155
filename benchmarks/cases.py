"""The measured cases. Each is timed on scratch sites, at the scales it makes sense for (1 = this site,
10 = the 10x site of sites.scale_site), interleaved with the others run after run:

  (a) cold    `mkdocs build` with empty caches (snippets and mkdocs-jupyter's notebook cache)
  (b) warm    rebuild, nothing changed (the caches of the cold build of the same run)
  (c) no-exec the same site with snippet execution off (SITE_EXECUTE=0), empty caches: the lab still
              executes, exactly as in (a)
  (d) floor   python -c "import torch, matplotlib.pyplot"
  (e) one-process  for reference: every snippet run as `python snippets/<lesson>/<file>.py`, one
              process each, one after the other, MPLBACKEND=Agg, from an empty folder
  (f) jupyter the peer: the snippets as notebooks (one per lesson folder, one cell per snippet, in page
              order) in a site built by mkdocs-jupyter with `execute: true`, `allow_errors: true`
  (g) bare    no execution at all: SITE_EXECUTE=0 LAB_EXECUTE=false, empty caches
  (h) markdown-exec  the peer: the same pages with each @snippet line an `exec="on"` fence including
              the same snippet file; in-process, one snippet after the other, no cache. Snippets meant
              to raise show their traceback (markdown-exec logs a warning for each, so this build
              runs without --strict); plt.show() is a no-op (MPLBACKEND=Agg), so it renders no figures

Scales: (a), (b), (g) and (h) at 1x and 10x; the others at 1x only.
Outside the interleaved runs: `serve` (mkdocs serve latency) and `memory` (the peak memory of one
extra cold build, not timed, so that sampling cannot slow the timed runs).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from benchmarks import sites
from benchmarks.measure import (
    BuildCounts,
    Meter,
    TreeMemory,
    build_counts,
    reap_orphans,
    run_timed,
    wait_until_quiet,
)

PYTHON = sys.executable
EDITED_SNIPPET = "snippets/derivatives/x_squared.py"  # saved under `mkdocs serve`...
EDITED_PAGE_URL = "derivatives/"  # ...and this page polled until it shows the new output
EDITED_MARKDOWN = "derivatives.md"


class Scale:
    """The scratch sites of one scale, each made the first time a case needs it."""

    def __init__(self, number: int, work: Path):
        self.number = number
        self.work = work / f"{number}x"
        self.work.mkdir(parents=True)

    @cached_property
    def site(self) -> Path:
        site = sites.copy_site(self.work / "site")
        return sites.scale_site(site, self.number) if self.number > 1 else site

    @cached_property
    def snippets(self) -> list[Path]:
        return sites.snippets_in_page_order(self.site)

    @cached_property
    def jupyter_peer(self) -> Path:
        return sites.jupyter_peer_site(self.snippets, self.work / "jupyter-peer")

    @cached_property
    def markdown_exec_peer(self) -> Path:
        return sites.markdown_exec_peer_site(self.site, self.work / "markdown-exec-peer")

    def caches(self) -> dict:
        """Fresh, empty cache folders for one build."""
        folder = Path(tempfile.mkdtemp(prefix="caches-", dir=self.work))
        return {"SNIPPET_CACHE": str(folder / "snippets"), "LAB_CACHE_DIR": str(folder / "mkdocs-jupyter"),
                "LAB_RUN_CACHE": str(folder / "lab")}

    def out(self) -> Path:
        return self.work / "out"


def build_cmd(site_dir: Path, strict: bool = True) -> list[str]:
    return [PYTHON, "-m", "mkdocs", "build", *(["--strict"] if strict else []), "-d", str(site_dir)]


# -- the cases: each returns (seconds, log) --------------------------------------------------------
# `state` is shared by the cases of one run at one scale: the warm rebuild uses the cold build's caches.


def cold(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    state["caches"] = scale.caches()
    return run_timed(build_cmd(scale.out()), scale.site, dict(env, **state["caches"]))


def fill_caches(scale: Scale, env: dict, state: dict) -> None:
    """Before a warm rebuild whose run had no cold build: one, untimed."""
    if "caches" not in state:
        cold(scale, env, state)


def warm(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    return run_timed(build_cmd(scale.out()), scale.site, dict(env, **state["caches"]))


def no_execution(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    return run_timed(build_cmd(scale.out()), scale.site, dict(env, SITE_EXECUTE="0", **scale.caches()))


def bare(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    env = dict(env, SITE_EXECUTE="0", LAB_EXECUTE="false", **scale.caches())
    return run_timed(build_cmd(scale.out()), scale.site, env)


def floor(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    return run_timed([PYTHON, "-c", "import torch, matplotlib.pyplot"], scale.work, env)


def one_process_each(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    empty = Path(tempfile.mkdtemp(prefix="empty-", dir=scale.work))
    started = time.perf_counter()
    for path in scale.snippets:
        # A snippet meant to raise exits with status 1; that is its expected outcome, not a failure.
        subprocess.run([PYTHON, str(path)], cwd=empty, env=dict(env, MPLBACKEND="Agg"), capture_output=True)
    return time.perf_counter() - started, ""


def jupyter(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    peer = scale.jupyter_peer
    return run_timed(build_cmd(scale.work / "peer-out"), peer, dict(env, **scale.caches()))


def markdown_exec(scale: Scale, env: dict, state: dict) -> tuple[float, str]:
    peer = scale.markdown_exec_peer
    return run_timed(build_cmd(scale.work / "peer-out", strict=False), peer, dict(env, MPLBACKEND="Agg"))


@dataclass(frozen=True)
class Case:
    key: str  # its name on the command line
    letter: str
    label: str
    scales: tuple[int, ...]  # the scales it is measured at (when selected)
    run: Callable[[Scale, dict, dict], tuple[float, str]]
    prepare: Callable[[Scale, dict, dict], None] | None = None  # untimed, before it

    @property
    def title(self) -> str:
        return f"({self.letter}) {self.label}"


ALL_SCALES = (1, 10)
# In the order they run within a run (the floor first, the warm rebuild right after its cold build).
CASES = (
    Case("floor", "d", "floor: import torch, matplotlib.pyplot", (1,), floor),
    Case("cold", "a", "cold build, empty caches", ALL_SCALES, cold),
    Case("warm", "b", "warm rebuild, nothing changed", ALL_SCALES, warm, prepare=fill_caches),
    Case("no-exec", "c", "snippet execution off (SITE_EXECUTE=0)", (1,), no_execution),
    Case("bare", "g", "no execution, no lab (SITE_EXECUTE=0 LAB_EXECUTE=false)", ALL_SCALES, bare),
    Case("one-process", "e", "each snippet in its own `python` (reference)", (1,), one_process_each),
    Case("jupyter", "f", "peer: mkdocs-jupyter execute: true", (1,), jupyter),
    Case("markdown-exec", "h", 'peer: markdown-exec exec="on", in-process, no cache', ALL_SCALES, markdown_exec),
)
EXTRA_CASES = ("serve", "memory")  # not among the interleaved runs
CASE_KEYS = tuple(case.key for case in CASES) + EXTRA_CASES


@dataclass
class Results:
    """Every figure of one benchmark, keyed by (case key, scale)."""

    seconds: dict = field(default_factory=dict)  # (key, scale) -> [seconds of each run]
    cpu: dict = field(default_factory=dict)  # (key, scale) -> [CPU seconds of each run]
    counts: dict = field(default_factory=dict)  # (key, scale) -> [BuildCounts | None of each run]
    others: list = field(default_factory=list)  # cores used by other processes during each case
    memory: dict = field(default_factory=dict)  # scale -> (peak RSS, peak PSS) in bytes
    serve: dict = field(default_factory=dict)  # scale -> serve_latency(...)

    def median(self, key: str, scale: int) -> float | None:
        values = self.seconds.get((key, scale))
        return statistics.median(values) if values else None


def interleaved_runs(cases, scales: list[Scale], runs: int, env: dict, quiet_wait: float, say=print) -> Results:
    """`runs` runs of every selected case at every selected scale, interleaved, so a slow moment of the
    machine hits every case alike."""
    results = Results()
    for number in range(runs):
        if quiet_wait:
            wait_until_quiet(quiet_wait)
        done = []
        for scale in scales:
            state: dict = {}
            for case in cases:
                if scale.number not in case.scales:
                    continue
                if case.prepare is not None:
                    case.prepare(scale, env, state)
                    reap_orphans()  # so that what it left behind is not charged to the case
                report_file = scale.work / f"build-report-{case.key}.json"
                report_file.unlink(missing_ok=True)
                with Meter() as meter:
                    seconds, log = case.run(scale, dict(env, SITE_BUILD_REPORT=str(report_file)), state)
                where = (case.key, scale.number)
                results.seconds.setdefault(where, []).append(seconds)
                results.cpu.setdefault(where, []).append(meter.cpu)
                results.counts.setdefault(where, []).append(build_counts(report_file))
                results.others.append(meter.others)
                done.append(f"({case.letter}) {scale.number}×: {seconds:.2f} s")
        busy = statistics.mean(results.others[-len(done):]) if done else 0.0
        say(f"  run {number + 1}: " + ", ".join(done) + f"; other processes used {busy:.2f} cores meanwhile",
            flush=True)
    return results


def peak_memory(scale_number: int, work: Path, env: dict) -> tuple[int, int]:
    """(RSS sum, PSS sum) at the peak of one cold build, over its whole process tree."""
    scale = Scale(scale_number, work / "memory")
    memory = TreeMemory()
    with Meter():
        run_timed(build_cmd(scale.out()), scale.site, dict(env, **scale.caches()), memory)
    return memory.peak_rss, memory.peak_pss


# -- mkdocs serve ----------------------------------------------------------------------------------


def _timed_edits(server, path: Path, addition, runs: int) -> tuple[list[float], list[BuildCounts | None]]:
    """Save `path` with `addition(token)` appended, `runs` times; for each save, the seconds until the
    page serves the new text, and what the rebuild reported."""
    original = path.read_text(encoding="utf-8")
    report_file = server.root / ".cache" / "build-report.json"  # the default place, beside mkdocs.yml
    seconds, counts = [], []
    for number in range(runs):
        before = build_counts(report_file)
        token = f"benchmark edit {number} {time.time_ns()}"
        path.write_text(original + addition(token), encoding="utf-8")
        seconds.append(server.until_served(EDITED_PAGE_URL, token))
        after = build_counts(report_file)
        while after is not None and before is not None and after.build == before.build:
            time.sleep(0.02)  # served, but the report (written at the end of the rebuild) not yet
            after = build_counts(report_file)
        counts.append(after)
    return seconds, counts


def serve_latency(scale_number: int, work: Path, env: dict, runs: int) -> dict:
    """Seconds from saving a snippet (then a Markdown page) to `mkdocs serve` serving the page with
    the new text, polled every 20 ms; and what each rebuild ran."""
    from sitebuild.serve_process import ServeError, ServeProcess

    scale = Scale(scale_number, work / "serve")
    site = scale.site
    server = ServeProcess(site, dict(env, **scale.caches()))
    try:
        server.until_served(EDITED_PAGE_URL, "snippet-output", deadline=900)  # the first, cold build
        snippet_seconds, snippet_counts_ = _timed_edits(
            server, site / EDITED_SNIPPET, lambda token: f'print("{token}")\n', runs
        )
        page_seconds, page_counts = _timed_edits(
            server, site / "docs" / EDITED_MARKDOWN, lambda token: f"\n{token}\n", runs
        )
    except ServeError as exc:
        raise SystemExit(f"mkdocs serve at {scale_number}×: {exc}") from None
    finally:
        server.stop()
    return {"snippet": snippet_seconds, "snippet_runs": snippet_counts_, "page": page_seconds, "page_runs": page_counts}
