"""Files written whole: to a temporary name beside the target, then renamed over it, so that a reader
(another build, `mkdocs serve`, a test) never sees half a file, and writers in other processes or
threads never write into each other's temporary file."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
