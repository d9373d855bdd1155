"""Run Lighthouse on every page of the built site and print one table of scores.

    python scripts/lighthouse.py                 # build the site into a temporary folder, then audit it
    python scripts/lighthouse.py --site site/    # audit a site that is already built
    python scripts/lighthouse.py --keep reports/ # also keep each page's JSON report
    python scripts/lighthouse.py --page lab/     # one page (repeatable)

Needs `npm ci` (the `lighthouse` package of package.json) and Debian's chromium. The site is served
the way a static host serves it: under the path of site_url, gzip for text, 404.html for a missing
page (tools/static_site.py, which the browser tests use too). Pages are the ones in sitemap.xml.
Targets: accessibility, best practices and SEO 100, performance 95 or more; the exit status is 1
when a page misses one, and the audits that cost it points are listed under the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.static_site import StaticSite, site_path, site_url_of_config, sitemap_pages

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# The flags the browser tests use, plus --headless (Lighthouse launches chromium itself).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CATEGORIES = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def build_site(target: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(target)], cwd=ROOT, env=env, check=True)


def audit(url: str, report: Path) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}",
        "--quiet",
    ]
    subprocess.run(command, env=dict(os.environ, CHROME_PATH=CHROMIUM), check=True, timeout=300)
    return json.loads(report.read_text(encoding="utf-8"))


def shortfalls(result: dict) -> list[str]:
    """The audits that cost a category points, for the categories below their target."""
    lines = []
    for name, target in CATEGORIES.items():
        category = result["categories"][name]
        if round(category["score"] * 100) >= target:
            continue
        for ref in category["auditRefs"]:
            audit_result = result["audits"][ref["id"]]
            score = audit_result.get("score")
            if ref["weight"] > 0 and score is not None and score < 1:
                value = audit_result.get("displayValue", "")
                lines.append(f"{name}: {ref['id']} (score {score:.2f}{', ' + value if value else ''})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--keep", type=Path, help="a folder to keep each page's JSON report in")
    parser.add_argument("--page", action="append", help="audit only this page (e.g. derivatives/; repeatable)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `npm ci` at the repository's root")
    if shutil.which(CHROMIUM) is None:
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "site"
            build_site(site)
        reports = args.keep or Path(scratch) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        site_url = site_url_of_config()
        rows, problems = [], []
        with StaticSite(site, site_path(site_url)) as server:
            pages = sitemap_pages(site, site_url)
            unknown = set(args.page or []) - set(pages)
            if unknown:
                raise SystemExit(f"not in the sitemap: {', '.join(sorted(unknown))}")
            for page in args.page or pages:
                name = page or "(home)"
                result = audit(server.base_url + page, reports / f"{(page.strip('/') or 'index').replace('/', '_')}.json")
                scores = {key: round(result["categories"][key]["score"] * 100) for key in CATEGORIES}
                rows.append((name, scores))
                problems += [f"{name}: {line}" for line in shortfalls(result)]
                if result.get("runWarnings"):
                    problems += [f"{name}: warning: {warning}" for warning in result["runWarnings"]]
    width = max(len(name) for name, _ in rows)
    header = f"{'page':<{width}} | " + " | ".join(f"{key:>14}" for key in CATEGORIES)
    print(header)
    print("-" * len(header))
    for name, scores in rows:
        cells = [f"{scores[key]:>14}" for key in CATEGORIES]
        print(f"{name:<{width}} | " + " | ".join(cells))
    print("targets: " + ", ".join(f"{key} {'>=' if target < 100 else '='} {target}" for key, target in CATEGORIES.items()))
    for line in problems:
        print(line)
    missed = [name for name, scores in rows if any(scores[key] < target for key, target in CATEGORIES.items())]
    print("every page meets every target" if not missed else f"below target: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
