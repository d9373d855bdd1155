"""How long a contributor and CI wait on this site's build, side by side with what a user would pick instead.

    python benchmarks/build_speed.py                  # 3 interleaved runs of every case, at 1x and 10x
    python benchmarks/build_speed.py --runs 5 --quiet-wait 120
    python -m benchmarks.build_speed --scale 1 --cases floor,cold,warm,bare
    python -m benchmarks.build_speed --runs 1 --scale 10 --cases markdown-exec

Every case runs on scratch copies (the repository's .cache/ and site/ are never touched); the table
gives the median of --runs runs at each scale. The cases are described in benchmarks/cases.py, the
scratch sites (the 10x site, the peers) in benchmarks/sites.py, the targets in benchmarks/report.py.
Exits with status 1 if a measured target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a file: run as the module `benchmarks.build_speed` instead, from the repository root, so
    # that `benchmarks` and `sitebuild` import as packages. A relative --json path keeps its meaning.
    argv = [os.path.abspath(arg) if previous == "--json" else
            "--json=" + os.path.abspath(arg[len("--json="):]) if arg.startswith("--json=") else arg
            for previous, arg in zip([""] + sys.argv[1:], sys.argv[1:])]
    os.chdir(Path(__file__).resolve().parent.parent)
    os.execv(sys.executable, [sys.executable, "-m", "benchmarks.build_speed", *argv])

from benchmarks.cases import CASE_KEYS, CASES, Scale, interleaved_runs, peak_memory, serve_latency  # noqa: E402
from benchmarks.measure import CommandFailed, base_env, become_subreaper, machine  # noqa: E402
from benchmarks.report import print_report, to_json  # noqa: E402

TODAYS_PEAK_PSS_MIB = 589  # cold build, "How this site is built" (measured 2026-11-21)


def case_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in CASE_KEYS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASE_KEYS)}")
    return names


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each case (the median is reported)")
    parser.add_argument("--scale", type=int, action="append", choices=(1, 10), metavar="{1,10}",
                        help="1: this site; 10: every lesson page and its snippets 10 times. Repeat for both "
                             "(the default)")
    parser.add_argument("--cases", type=case_list, default=list(CASE_KEYS), metavar="A,B,...",
                        help=f"which cases, comma-separated (default all): {', '.join(CASE_KEYS)}")
    parser.add_argument("--no-serve", action="store_true", help="skip the `mkdocs serve` latency (as --cases without serve)")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument("--quiet-wait", type=float, default=0, metavar="SECONDS",
                        help="before each run, wait up to this long for other processes to leave the cores idle")
    parser.add_argument("--memory-baseline", type=float, default=TODAYS_PEAK_PSS_MIB, metavar="MIB",
                        help=f"the peak PSS the memory target compares with (default {TODAYS_PEAK_PSS_MIB})")
    args = parser.parse_args(argv)
    args.scale = sorted(set(args.scale or (1, 10)))
    if args.no_serve and "serve" in args.cases:
        args.cases.remove("serve")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    cases = [case for case in CASES if case.key in args.cases]
    env = base_env()
    accounted = become_subreaper()
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        work = Path(tmp)
        scales = [Scale(number, work) for number in args.scale]
        sizes = "; ".join(f"{s.number}×: {len(s.snippets)} snippets in {len({p.parent for p in s.snippets})} lessons"
                          for s in scales)
        print(f"{machine()}\n{datetime.date.today().isoformat()}: {sizes}; {args.runs} run(s) of each case, "
              f"interleaved" + (" (fewer than 3: indicative only)" if args.runs < 3 else "") + "\n", flush=True)
        try:
            results = interleaved_runs(cases, scales, args.runs, env, args.quiet_wait)
            for number in args.scale if "memory" in args.cases else ():
                results.memory[number] = peak_memory(number, work, env)
            for number in args.scale if "serve" in args.cases else ():
                results.serve[number] = serve_latency(number, work, env, args.runs)
        except CommandFailed as exc:
            print(exc, file=sys.stderr)
            return 1
    missed = print_report(cases, args.scale, results, accounted, args.memory_baseline)
    if args.json:
        args.json.write_text(to_json(results, machine()), encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
