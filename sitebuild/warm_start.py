"""MkDocs plugin `sitebuild/warm-start`: torch starts importing while MkDocs is still loading its plugins.

The hooks (sitebuild/hooks/) load after every plugin, and loading mkdocs-jupyter alone imports
nbconvert and jupytext (about 0.7 s). A cold build waits for the warm process (torch and matplotlib:
sitebuild/warm_server.py) before any snippet can run, so every second it starts earlier is a second
off the build. Listed first under `plugins:`, this plugin starts it while MkDocs reads its
configuration, as soon as it knows where the site is (BasePlugin.load_config gets mkdocs.yml's path).
It has no events and no other state: the snippets hook finds the same runner (runner.shared_runner),
and starts it itself if this plugin is not listed. Nothing starts when execution is off
(SITE_EXECUTE=0) or every snippet is cached.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.plugins import BasePlugin

from sitebuild.runner import executes, start_unless_cached


class WarmStart(BasePlugin):
    def load_config(self, options, config_file_path=None):
        found = super().load_config(options, config_file_path)
        if config_file_path and executes():
            start_unless_cached(Path(config_file_path).resolve().parent)
        return found
