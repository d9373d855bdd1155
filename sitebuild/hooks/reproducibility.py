"""MkDocs hook: the same sources give the same site, and a failed build leaves no site behind.

Dates in the site (the sitemap's lastmod) come from the last commit (SOURCE_DATE_EPOCH, unless it is
set already); a failed `mkdocs build` removes its half-written site, so it cannot be mistaken for a
good one.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.reproducibility")


# What on_build_error needs to know, from the events before it.
_seen = {"command": "build", "site_dir": None}


def on_startup(command, dirty):
    _seen["command"] = command


def on_config(config):
    _set_source_date_epoch(Path(config.config_file_path).resolve().parent)
    _seen["site_dir"] = config.site_dir
    return config


def on_build_error(error):
    if _seen["command"] == "build" and _seen["site_dir"]:
        shutil.rmtree(_seen["site_dir"], ignore_errors=True)


def _set_source_date_epoch(root: Path) -> None:
    if "SOURCE_DATE_EPOCH" in os.environ:
        return
    try:
        stamp = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        log.info("Not a git checkout: set SOURCE_DATE_EPOCH for a reproducible build")
        return
    if stamp:
        os.environ["SOURCE_DATE_EPOCH"] = stamp
