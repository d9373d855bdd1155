"""What the benchmark prints: the table (rows = cases, columns = scales), the targets of issue 12 as
met / missed, and the notes under them (machine load, memory, `mkdocs serve`, what each build ran).

Targets, all ratios of medians from the same run:
  - cold build at 1x <= 1.1 x (no execution and no lab (g) + the import floor (d))
  - at 10x: markdown-exec (h) >= 2 x our cold build (a), and >= 10 x our warm rebuild (b)
  - warm rebuild (b) <= 1.05 x the build with no execution at all (g), at 1x and at 10x
  - `mkdocs serve`: a saved snippet's new output served within 1 s, at 1x and at 10x, and each save
    re-runs only that snippet
  - peak memory (PSS) of a cold build at 1x <= 1.5 x the baseline (--memory-baseline)
  - kept from before: mkdocs-jupyter (f) >= 3 x our cold build at 1x
A target whose cases were not measured (see --cases, --scale) is shown as "not measured", not missed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
from dataclasses import dataclass

MIB = 2**20


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None  # None: its cases were not measured
    op: str  # "<=" or ">="
    limit: float
    unit: str = " ×"

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    @property
    def verdict(self) -> str:
        return {None: "not measured", True: "met", False: "MISSED"}[self.met]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if numerator is None or not denominator else numerator / denominator


def _sum(*values: float | None) -> float | None:
    return None if any(value is None for value in values) else sum(values)


def targets(results, memory_baseline_mib: float) -> list[Target]:
    m = results.median
    found = [
        Target("cold build at 1× <= 1.1 × ((g) no execution, no lab + (d) floor)",
               ratio(m("cold", 1), _sum(m("bare", 1), m("floor", 1))), "<=", 1.1),
        Target("at 10×: markdown-exec (h) >= 2 × our cold build (a)", ratio(m("markdown-exec", 10), m("cold", 10)), ">=", 2.0),
        Target("at 10×: markdown-exec (h) >= 10 × our warm rebuild (b)", ratio(m("markdown-exec", 10), m("warm", 10)), ">=", 10.0),
    ]
    found += [Target(f"warm rebuild at {s}× <= 1.05 × (g) no execution", ratio(m("warm", s), m("bare", s)), "<=", 1.05)
              for s in (1, 10)]
    for scale in (1, 10):
        latency = results.serve.get(scale)
        found.append(Target(f"serve at {scale}×: saved snippet's output served within 1 s",
                            statistics.median(latency["snippet"]) if latency else None, "<=", 1.0, " s"))
        found.append(Target(f"serve at {scale}×: saves that ran more or other than the saved snippet",
                            rerun_misses(latency["snippet_runs"]) if latency else None, "<=", 0, ""))
    pss = results.memory.get(1, (None, None))[1]
    found.append(Target(f"peak memory (PSS) of a cold build at 1× <= 1.5 × {memory_baseline_mib:.0f} MiB",
                        ratio(pss, memory_baseline_mib * MIB), "<=", 1.5))
    found.append(Target("(kept) mkdocs-jupyter (f) >= 3 × cold build (a) at 1×", ratio(m("jupyter", 1), m("cold", 1)), ">=", 3.0))
    return found


def rerun_misses(counts) -> int:
    """Saves of one snippet whose rebuild did not run exactly that one snippet (unknown counts as a miss)."""
    from benchmarks.cases import EDITED_SNIPPET

    return sum(1 for c in counts if c is None or c.ran != 1 or not c.names or not c.names[0].endswith(EDITED_SNIPPET))


def _figure(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def cases_table(rows: list[tuple[str, str]], scales: list[int], seconds: dict, cpu: dict | None) -> str:
    """Markdown table: one row per (key, title), for each scale the median seconds, × the cold build
    (key "cold") at that scale and the median CPU seconds ("–" where not measured)."""
    header = "| case |" + "".join(f" {s}× median s | {s}× × (a) | {s}× CPU s |" for s in scales)
    lines = [header, "| --- |" + " ---: | ---: | ---: |" * len(scales)]

    def med(table, key, scale):
        values = (table or {}).get((key, scale))
        return statistics.median(values) if values else None

    for key, title in rows:
        cells = []
        for scale in scales:
            median = med(seconds, key, scale)
            cells += [_figure(median), _figure(ratio(median, med(seconds, "cold", scale))), _figure(med(cpu, key, scale), 1)]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def runs_lines(rows: list[tuple[str, str]], scales: list[int], seconds: dict) -> list[str]:
    return [f"  {title} at {scale}×: " + ", ".join(f"{value:.2f}" for value in seconds[(key, scale)]) + " s"
            for key, title in rows for scale in scales if (key, scale) in seconds]


def targets_table(found: list[Target]) -> str:
    lines = ["| target | measured | met |", "| --- | ---: | --- |"]
    for target in found:
        value = "–" if target.value is None else f"{target.value:.2f}{target.unit}"
        lines.append(f"| {target.name} | {value} | {target.verdict} |")
    return "\n".join(lines)


def counts_lines(rows: list[tuple[str, str]], scales: list[int], counts: dict) -> list[str]:
    """What each of our builds ran and how long each stage took, from its build report (medians)."""
    lines = []
    for key, title in rows:
        for scale in scales:
            known = [c for c in counts.get((key, scale), []) if c is not None]
            if not known:
                continue
            ran = sorted({c.ran for c in known})
            cached = sorted({c.cached for c in known})
            snippet = statistics.median(c.snippet_seconds for c in known)
            build = statistics.median(c.build_seconds for c in known)
            lines.append(f"  {title} at {scale}×: ran {'/'.join(map(str, ran))}, "
                         f"from the cache {'/'.join(map(str, cached))}; snippet time {snippet:.2f} s "
                         f"(summed over snippets), build at its end {build:.2f} s")
            names = sorted({name for c in known for name, _ in c.stages})
            for name in names:
                seconds = statistics.median(dict(c.stages).get(name, 0.0) for c in known)
                lines.append(f"      {name}: {seconds:.2f} s")
    return lines


def serve_lines(serve: dict) -> list[str]:
    lines = []
    for scale, latency in sorted(serve.items()):
        def ran(counts):
            return "; ".join("?" if c is None else f"{c.ran} ran, {c.cached} from the cache"
                             + (f" [{', '.join(c.names)}]" if c.names else "") for c in counts)
        lines.append(f"mkdocs serve at {scale}×: saved snippet -> new output served in "
                     f"{', '.join(f'{s:.2f}' for s in latency['snippet'])} s "
                     f"(median {statistics.median(latency['snippet']):.2f} s); rebuilds ran: {ran(latency['snippet_runs'])}")
        lines.append(f"mkdocs serve at {scale}×: saved Markdown page -> served in "
                     f"{', '.join(f'{s:.2f}' for s in latency['page'])} s "
                     f"(median {statistics.median(latency['page']):.2f} s); rebuilds ran: {ran(latency['page_runs'])}")
    return lines


def print_report(cases, scales: list[int], results, accounted: bool, memory_baseline_mib: float, say=print) -> int:
    """Print everything after the runs; return how many targets were missed."""
    rows = [(case.key, case.title) for case in sorted(cases, key=lambda case: case.letter)]
    say("\n" + cases_table(rows, scales, results.seconds, results.cpu if accounted else None))
    say("\nEach run (s):\n" + "\n".join(runs_lines(rows, scales, results.seconds)))
    found = targets(results, memory_baseline_mib)
    say("\n" + targets_table(found))
    if results.others:
        busy = statistics.mean(results.others)
        say(f"\nOther processes on this machine used {busy:.2f} of {os.cpu_count()} cores on average during the runs"
            + (" (a busy machine: the figures are noisy)" if busy > 0.25 else "") + ".")
    for scale, (rss, pss) in sorted(results.memory.items()):
        say(f"Peak memory of a cold build at {scale}× (process tree, sampled every 50 ms): "
            f"RSS sum {rss / MIB:.0f} MiB, PSS sum {pss / MIB:.0f} MiB")
    for line in serve_lines(results.serve):
        say(line)
    counted = counts_lines(rows, scales, results.counts)
    if counted:
        say("\nWhat our builds reported (their build reports; stages overlap, so they do not add up):")
        say("\n".join(counted))
    missed = sum(target.met is False for target in found)
    say("\nAll measured targets met." if not missed else f"\n{missed} target(s) missed.")
    return missed


def to_json(results, machine: str) -> str:
    def keyed(table):
        return {f"{key}@{scale}x": value for (key, scale), value in table.items()}

    def plain(value):
        return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value

    counts = {key: [plain(c) for c in values] for key, values in keyed(results.counts).items()}
    serve = {f"{scale}x": {name: [plain(v) for v in values] for name, values in latency.items()}
             for scale, latency in results.serve.items()}
    return json.dumps({
        "machine": machine,
        "runs": keyed(results.seconds),
        "cpu": keyed(results.cpu),
        "median": {key: statistics.median(values) for key, values in keyed(results.seconds).items()},
        "counts": counts,
        "others": results.others,
        "memory": {f"{scale}x": {"peak_rss": rss, "peak_pss": pss} for scale, (rss, pss) in results.memory.items()},
        "serve": serve,
    }, indent=2, default=str)
