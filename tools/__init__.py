"""Helpers shared by the scripts and the tests (not part of the site build)."""
