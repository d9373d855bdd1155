"""snippets/environment/: the versions the home page prints are the ones the build really used."""

import platform

import torch
from helpers import line_with, snippet_output


def test_versions_are_the_running_ones():
    out = snippet_output("environment/versions.py")
    assert line_with(out, "Python:") == f"Python: {platform.python_version()}"
    assert line_with(out, "torch:") == f"torch: {torch.__version__}"
