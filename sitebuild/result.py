"""What a snippet is and what running it gives: the values every part of the build passes around.

`Snippet` is one snippet file with everything derived from it (the path readers see, the cache key,
the pages that use it). `SnippetResult` is defined once: the child writes it (`to_json`), the runner
reads the child's file and the cache with the same `from_json`.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import re
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
# The build's own files that shape a result: a change to any of them changes every cache key.
RUNNER_SOURCES = ("child.py", "figures.py", "notebook_child.py", "result.py", "runner.py", "warm_server.py")


@dataclass
class Figure:
    light: str  # SVG text
    dark: str  # SVG text, recoloured for a dark page
    width: int  # CSS pixels
    height: int

    def file_names(self) -> tuple[str, str]:
        """Its light and dark files' names, from the content: an unchanged figure keeps its URL (and
        browsers their cache)."""
        digest = hashlib.sha256((self.light + self.dark).encode()).hexdigest()[:16]
        return f"{digest}-light.svg", f"{digest}-dark.svg"


@dataclass
class SnippetError:
    type: str
    message: str
    last_line: str  # what Python prints last, e.g. "RuntimeError: grad can be implicitly created ..."
    lineno: int | None  # the line of the snippet file it came from, if any
    traceback: str
    origin: str = "snippet"  # "runner": the runner's failure (crash, timeout …), never an expected exception

    @classmethod
    def of_runner(cls, kind: str, message: str, lineno: int | None = None, trace: str = "") -> "SnippetError":
        """An error of the runner's own (origin "runner"): it never matches a page's raises=."""
        return cls(kind, message, f"{kind}: {message}", lineno, trace, "runner")


@dataclass
class SnippetResult:
    path: str  # as shown to readers, e.g. "snippets/derivatives/x_squared.py"
    events: list[tuple[str, str]] = field(default_factory=list)  # ("stdout" | "stderr" | "warning" | "note", text), in order
    figures: list[Figure] = field(default_factory=list)
    error: SnippetError | None = None
    seconds: float = 0.0
    cached: bool = False

    @property
    def stdout(self) -> str:
        return "".join(text for kind, text in self.events if kind == "stdout")

    @property
    def warnings(self) -> str:
        return "".join(text for kind, text in self.events if kind == "warning")

    @classmethod
    def did_not_finish(cls, path: str, kind: str, message: str, events=(), lineno=None, trace="") -> "SnippetResult":
        """The runner's failure: the snippet's child never wrote a result (crash, timeout, dead warm process)."""
        error = SnippetError.of_runner(kind, f"the snippet did not finish: {message}", lineno, trace)
        return cls(path, list(events), error=error)

    def to_json(self) -> dict:
        data = asdict(self)
        del data["cached"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SnippetResult":
        return cls(
            path=data["path"],
            events=[tuple(event) for event in data["events"]],
            figures=[Figure(**figure) for figure in data["figures"]],
            error=SnippetError(**data["error"]) if data["error"] else None,
            seconds=data["seconds"],
        )


def display_path(path: Path, root: Path = REPO_ROOT) -> str:
    """The path a reader sees: relative to the project root when the file is inside it."""
    path = path.resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


_FINGERPRINT: str | None = None


def build_fingerprint() -> str:
    """Everything besides the snippet that can change its result: python, the libraries' versions
    (read without importing them) and the runner's own source."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        digest = hashlib.sha256(platform.python_version().encode())
        for name in ("torch", "matplotlib", "numpy"):
            digest.update(f";{name}={metadata.version(name)}".encode())
        for name in RUNNER_SOURCES:
            digest.update(b"\0" + (PACKAGE_DIR / name).read_bytes())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


def cache_key(source: bytes, shown_path: str) -> str:
    digest = hashlib.sha256()
    for part in (build_fingerprint(), shown_path):
        digest.update(part.encode() + b"\0")
    digest.update(source)
    return digest.hexdigest()


@dataclass(eq=False)
class Snippet:
    """One snippet file and everything derived from it."""

    file: Path  # absolute
    shown: str  # the path readers see, e.g. "snippets/derivatives/x_squared.py"
    key: str  # its cache key: its bytes, its shown path, the build's fingerprint
    pages: set[str] = field(default_factory=set)  # the pages whose directives use it (src_uri)
    needs_torch_func: bool = False  # run by the warm process's torch.func server (needs_torch_func)

    @classmethod
    def at(cls, path, root: Path = REPO_ROOT) -> "Snippet":
        """The snippet at `path`, read now (a missing file raises FileNotFoundError here)."""
        file = Path(path).resolve()
        try:  # as display_path, without resolving the file again (a site may have thousands)
            shown = file.relative_to(_resolved(root)).as_posix()
        except ValueError:
            shown = file.name
        source = file.read_bytes()
        return cls(file, shown, cache_key(source, shown), needs_torch_func=needs_torch_func(source))


# What a snippet's source names when it needs the modules of the first torch.func transform (or of
# torch.optim, which imports torch._dynamo too): sitebuild/warm_server.py runs those in a process
# that has imported them. Measured on this site: every snippet whose child imports torch._dynamo
# matches. Only a guess: a miss costs its child about a second, never a different result.
_NEEDS_TORCH_FUNC = re.compile(
    rb"torch\.func|functorch|\bvmap\b|\bjac(?:rev|fwd)\b|\bhessian\b|\bjvp\b|torch\.optim|torch\.compile"
    rb"|_dynamo|autograd\.functional"
)


def needs_torch_func(source: bytes) -> bool:
    return bool(_NEEDS_TORCH_FUNC.search(source))


@functools.lru_cache(maxsize=64)
def _resolved(root: Path) -> Path:
    return Path(root).resolve()
