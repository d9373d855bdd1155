"""docs/lab.ipynb: stored without outputs, runs top to bottom, and prints the right derivatives."""

import shutil
from pathlib import Path

import nbformat
import pytest
from helpers import tensor_values
from nbclient import NotebookClient

LAB = Path(__file__).resolve().parent.parent / "docs" / "lab.ipynb"


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Run a copy of the lab in an empty folder; return every line it printed."""
    folder = tmp_path_factory.mktemp("lab")
    copy = folder / "lab.ipynb"
    shutil.copy(LAB, copy)
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(folder)}}).execute()
    lines = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                lines.extend(output.text.splitlines())
    images = sum(
        "image/png" in output.get("data", {}) for cell in nb.cells for output in cell.get("outputs", [])
    )
    return lines, images


def values(lines, label):
    """tensor_values of every printed line starting with label, in order."""
    return [tensor_values(line) for line in lines if line.startswith(label)]


def test_stored_without_outputs():
    nb = nbformat.read(LAB, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Lab: derivatives in PyTorch")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_every_exercise_has_a_code_cell_and_a_solution():
    nb = nbformat.read(LAB, as_version=4)
    exercises = [c for c in nb.cells if c.cell_type == "code" and "# Your code here" in c.source]
    solutions = [c for c in nb.cells if c.cell_type == "markdown" and "<details><summary>Solution</summary>" in c.source]
    assert len(exercises) == len(solutions) == 3


def test_derivatives_of_one_variable(printed):
    lines, _ = printed
    x = 2.0
    assert values(lines, "y = x**2 at x = 2:") == [[x**2]]
    assert values(lines, "y = x**2 + 2x + 1 at x = 2:") == [[x**2 + 2 * x + 1]]
    assert values(lines, "dy/dx at x = 2:") == [[2 * x], [2 * x + 2]]
    x = 1.0
    assert values(lines, "y = 2x**3 + x at x = 1:") == [[2 * x**3 + x]]
    assert values(lines, "dy/dx at x = 1:") == [[6 * x**2 + 1]]


def test_partial_derivatives(printed):
    lines, _ = printed
    u, v = 1.0, 2.0
    assert values(lines, "f = uv + u**2 at u = 1, v = 2:") == [[u * v + u**2]]
    first = [v + 2 * u, u]  # df/du, df/dv
    u, v = 2.0, 1.0
    assert values(lines, "f = uv + (uv)**2 at u = 2, v = 1:") == [[u * v + (u * v) ** 2]]
    second = [v + 2 * u * v**2, u + 2 * u**2 * v]
    assert values(lines, "df/du:") == [[first[0]], [second[0]]]
    assert values(lines, "df/dv:") == [[first[1]], [second[1]]]


def test_sum_trick_and_plots(printed):
    lines, images = printed
    assert "x.grad equals 2x: True" in lines
    assert "x.grad is 1 where x > 0, else 0: True" in lines
    assert images == 2
