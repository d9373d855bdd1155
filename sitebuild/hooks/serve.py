"""MkDocs hook: `mkdocs serve --dirty`, as the README serves the site while you edit.

A dirty rebuild renders only the pages MkDocs sees modified (the snippets hook adds the pages that
show a snippet that changed), so a saved snippet is served in about a second, also on a site ten
times this size; Material's search plugin keeps the other pages' entries in its index. MkDocs logs
a warning on every dirty rebuild, which strict mode would turn into a failed rebuild: we asked for
it, so it is said once, as information. Nothing here runs for `mkdocs build` or a plain `mkdocs serve`.
"""

from __future__ import annotations

import logging

log = logging.getLogger("mkdocs.hooks.serve")
DIRTY_WARNING = "A 'dirty' build is being performed"  # mkdocs/commands/build.py, MkDocs 1.6


class _DirtyWarning(logging.Filter):
    said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or not record.getMessage().startswith(DIRTY_WARNING):
            return True
        if not self.said:
            self.said = True
            log.info("Dirty rebuilds: only the pages that changed, or show a snippet that changed, are rendered")
        return False


_filter = _DirtyWarning()


def on_startup(command, dirty):
    if command == "serve" and dirty:
        logging.getLogger("mkdocs.commands.build").addFilter(_filter)
