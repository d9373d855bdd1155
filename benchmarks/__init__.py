"""The build-speed benchmark: `python -m benchmarks.build_speed --help`.

    build_speed.py  the command line: which cases and scales, how many interleaved runs
    cases.py        each measured case (our builds, the floor, the peers, `mkdocs serve` latency)
    sites.py        the scratch sites: a copy of this one, the 10x site, the mkdocs-jupyter and
                    markdown-exec peers
    measure.py      timing, CPU, machine load, peak memory (TreeMemory), what a build reports
    report.py       the table (cases x scales), the targets and whether they are met
"""
