"""Which of the project's files changed while a snippet ran.

A snippet writes only in the empty folder it runs in; a change to the project's top-level files,
docs/ or snippets/ breaks the next build, so the runner names it and fails the snippet. The question
is asked twice per snippet (as it starts and as it ends), so it must cost nothing for a large site:

- `InotifyWatch` (Linux): the kernel queues an event for every change under the watched folders;
  asking means reading that queue, whatever the number of files.
- `ScanWatch` (elsewhere): the files' (size, mtime) before and after, about a millisecond per 150
  files, so a 1,000-snippet site pays seconds of it.

Both skip what the build itself changes: hidden entries (.cache/, .git/), __pycache__ folders and
the top level's folders (site/ …); the names they report are relative to the root, e.g.
"docs/new-page.md (created)".

    watch = project_watch(root)
    mark = watch.mark()
    ...the snippet runs...
    watch.changes_since(mark)  # ["README.md (changed)", "docs/new-page.md (created)"]
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import threading
from pathlib import Path

WATCHED = ("docs", "snippets")  # recursively; the root itself only for its files


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__"


# -- the portable fallback -------------------------------------------------------------------------


def project_state(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of the files a snippet must not touch: the top-level files (mkdocs.yml,
    README.md …) and everything under docs/ and snippets/."""
    state: dict[str, tuple[int, int]] = {}

    def add(folder: str, recurse: bool) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if _skipped(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if recurse:
                        add(entry.path, True)
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            state[entry.path] = (info.st_size, info.st_mtime_ns)

    add(str(root), False)
    for name in WATCHED:
        add(str(root / name), True)
    return state


def changes(before: dict, after: dict, root: Path) -> list[str]:
    def name(path: str) -> str:
        return Path(path).relative_to(root).as_posix()

    found = [f"{name(p)} (created)" for p in after if p not in before]
    found += [f"{name(p)} (deleted)" for p in before if p not in after]
    found += [f"{name(p)} (changed)" for p in after if p in before and after[p] != before[p]]
    return sorted(found)


class ScanWatch:
    def __init__(self, root: Path):
        self.root = Path(root)

    def mark(self) -> dict:
        return project_state(self.root)

    def changes_since(self, mark: dict) -> list[str]:
        return changes(mark, project_state(self.root), self.root)

    def close(self) -> None:
        pass


# -- Linux: inotify ----------------------------------------------------------------------------------

_IN_MODIFY, _IN_ATTRIB = 0x2, 0x4  # written; touched (the scan sees a new mtime too)
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_Q_OVERFLOW, _IN_IGNORED, _IN_ISDIR = 0x4000, 0x8000, 0x40000000
_MASK = _IN_MODIFY | _IN_ATTRIB | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_IN_NONBLOCK, _IN_CLOEXEC = 0o4000, 0o2000000
_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)
_KEEP = 10_000  # events remembered; a mark older than that sees the overflow note


class InotifyWatch:
    """Every change under the watched folders, numbered as it is read from the kernel's queue."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._lock = threading.Lock()
        self._folders: dict[int, tuple[str, bool]] = {}  # watch descriptor -> (folder relative to root, recursive)
        self._seen = 0  # events read so far
        self._events: list[tuple[int, str, int]] = []  # (number, path relative to root, mask)
        self._overflowed_at = -1
        try:
            self._add(".", recursive=False)
            for name in WATCHED:
                if (self.root / name).is_dir():
                    self._add_tree(name)
        except OSError:  # a folder that cannot be watched: the caller falls back to scanning
            os.close(self._fd)
            raise

    def _add(self, folder: str, recursive: bool) -> None:
        path = os.fsencode(str(self.root / folder))
        wd = self._libc.inotify_add_watch(self._fd, path, _MASK)
        if wd < 0:
            error = ctypes.get_errno()
            if error in (errno.ENOENT, errno.ENOTDIR):  # gone again already: nothing to watch
                return
            raise OSError(error, f"cannot watch {folder} (fs.inotify.max_user_watches?)")
        self._folders[wd] = (folder, recursive)

    def _forget(self, folder: str) -> None:
        """Stop watching a folder moved away (its watch would report its new place under the old name)."""
        for wd, (watched, _) in list(self._folders.items()):
            if watched == folder or watched.startswith(folder + "/"):
                self._libc.inotify_rm_watch(self._fd, wd)
                del self._folders[wd]

    def _add_tree(self, folder: str) -> list[str]:
        """Watch `folder` and every folder under it; the files found there (for a folder just created)."""
        files = []
        self._add(folder, recursive=True)
        for parent, dirs, names in os.walk(self.root / folder):
            dirs[:] = [d for d in dirs if not _skipped(d)]
            relative = Path(parent).relative_to(self.root).as_posix()
            for d in dirs:
                self._add(f"{relative}/{d}", recursive=True)
            files += [f"{relative}/{n}" for n in names if not _skipped(n)]
        return files

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 65536)
            except OSError:  # BlockingIOError: the queue is empty
                return
            offset = 0
            while offset + _HEADER.size <= len(data):
                wd, mask, _, length = _HEADER.unpack_from(data, offset)
                name = data[offset + _HEADER.size : offset + _HEADER.size + length].rstrip(b"\0").decode(errors="replace")
                offset += _HEADER.size + length
                if mask & _IN_Q_OVERFLOW:  # events were lost: whoever asks next cannot be told what changed
                    self._seen += 1
                    self._overflowed_at = self._seen
                    continue
                if mask & _IN_IGNORED:  # the folder itself is gone
                    self._folders.pop(wd, None)
                    continue
                folder, recursive = self._folders.get(wd, (None, False))
                if folder is None or not name or _skipped(name):
                    continue
                path = name if folder == "." else f"{folder}/{name}"
                if mask & _IN_ISDIR:
                    # Folders count by their files, as for the scan. The top level's folders (site/,
                    # .cache/ …) are the build's own, except the watched ones themselves.
                    if recursive or path in WATCHED:
                        if mask & (_IN_CREATE | _IN_MOVED_TO):
                            try:
                                made = self._add_tree(path)  # its files, made before the watch existed
                            except OSError:  # no watch left: what happens in there cannot be told
                                self._seen += 1
                                self._overflowed_at = self._seen
                                made = []
                            for file in made:
                                self._record(file, _IN_CREATE)
                        elif mask & _IN_MOVED_FROM:
                            self._forget(path)
                            self._record(path + "/", mask)  # its files went with it, unnamed: "docs/x/ (deleted)"
                    continue
                self._record(path, mask)

    def _record(self, path: str, mask: int) -> None:
        self._seen += 1
        self._events.append((self._seen, path, mask))
        if len(self._events) > _KEEP:
            del self._events[: len(self._events) - _KEEP]

    def mark(self) -> int:
        with self._lock:
            self._drain()
            return self._seen

    def changes_since(self, mark: int) -> list[str]:
        """What changed after `mark`, as "path (created|deleted|changed)"."""
        with self._lock:
            self._drain()
            if self._overflowed_at > mark or (self._events and self._events[0][0] > mark + 1 and self._seen > mark):
                return ["(more changes than the watch could record)"]
            masks: dict[str, int] = {}
            for number, path, mask in self._events:
                if number > mark:
                    masks[path] = masks.get(path, 0) | mask
        found = []
        for path, mask in masks.items():
            exists = os.path.lexists(self.root / path)
            if mask & (_IN_CREATE | _IN_MOVED_TO) and exists:
                found.append(f"{path} (created)")
            elif mask & (_IN_DELETE | _IN_MOVED_FROM) and not exists:
                if not mask & (_IN_CREATE | _IN_MOVED_TO):  # made and removed within the run: nothing is left
                    found.append(f"{path} (deleted)")
            elif exists:
                found.append(f"{path} (changed)")
        return sorted(found)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def project_watch(root: Path):
    """The cheapest watch this system offers."""
    try:
        return InotifyWatch(root)
    except (OSError, AttributeError):  # not Linux, or no inotify left (fs.inotify.max_user_instances/watches)
        return ScanWatch(root)
