"""What the lesson tests use to get a snippet's results.

- snippet_output(path): the stdout exactly as the page shows it, from the site's own runner (and its
  cache), so the tests check what readers see.
- snippet_namespace(path): the snippet's globals after running it in this process, for checks on
  whole tensors (plt.show() does nothing; figures are closed).
- tensor_values(text): the numbers inside every tensor(...) repr of a line of output.
- central_difference(f, x) and partial_differences(f, u, v): derivatives estimated from f itself,
  knowing nothing of autograd, as a second, independent check of the analytic formulas.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from sitebuild.runner import SNIPPETS_DIR, SnippetResult, shared_runner  # noqa: E402


def snippet_path(relative: str) -> Path:
    path = SNIPPETS_DIR / relative
    assert path.is_file(), f"no snippet {path}"
    return path


def snippet_result(relative: str) -> SnippetResult:
    return shared_runner().run(snippet_path(relative))


def snippet_output(relative: str) -> str:
    result = snippet_result(relative)
    assert result.error is None, f"{relative} raised:\n{result.error.traceback}"
    return result.stdout


def snippet_namespace(relative: str) -> dict:
    """Run the snippet here (as __main__) and return its globals. Exceptions propagate."""
    show = plt.show
    plt.show = lambda *args, **kwargs: None
    try:
        return runpy.run_path(str(snippet_path(relative)), run_name="__main__")
    finally:
        plt.show = show
        plt.close("all")


_TENSOR = re.compile(r"tensor\(\[?(.*?)\]?(?:,\s*(?:requires_grad|grad_fn|dtype)=[^)]*)*\)", re.DOTALL)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)


def tensor_values(text: str) -> list[float]:
    """All numbers inside the tensor(...) reprs of `text`, in order."""
    values = []
    for match in _TENSOR.finditer(text):
        values.extend(float(number) for number in _NUMBER.findall(match.group(1)))
    return values


def line_with(output: str, label: str) -> str:
    """The one line of output that starts with `label`."""
    lines = [line for line in output.splitlines() if line.startswith(label)]
    assert len(lines) == 1, f"expected one line starting with {label!r} in:\n{output}"
    return lines[0]


FINITE_STEP = 1e-3  # in float64, small enough for these polynomials, large enough to avoid round-off


def central_difference(f, x: float) -> float:
    """(f(x + h) - f(x - h)) / 2h in float64."""
    x = torch.tensor(x, dtype=torch.float64)
    h = FINITE_STEP
    return ((f(x + h) - f(x - h)) / (2 * h)).item()


def partial_differences(f, u: float, v: float) -> tuple[float, float]:
    """Central differences for df/du and df/dv, in float64."""
    u = torch.tensor(u, dtype=torch.float64)
    v = torch.tensor(v, dtype=torch.float64)
    h = FINITE_STEP
    return (
        ((f(u + h, v) - f(u - h, v)) / (2 * h)).item(),
        ((f(u, v + h) - f(u, v - h)) / (2 * h)).item(),
    )
