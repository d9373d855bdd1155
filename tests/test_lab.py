"""docs/lab.ipynb, the practice lab.

- The notebook is stored without outputs, and each exercise has a cell for the reader followed by a
  solution cell that is tagged `solution` and collapsed in Jupyter.
- Every solution runs (in a Jupyter kernel, as the reader runs it) and prints the right values:
  each is checked against the calculus written out here, finite differences or gradcheck, and the
  objects themselves are checked in a second run of the cells in this process.
- On the built page every solution, code and output, is inside a closed <details>; every figure comes
  as a light and a dark image with the cell's alt text; the links to the lessons resolve.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from bs4 import BeautifulSoup
from helpers import central_difference, line_with, partial_differences, tensor_values
from nbclient import NotebookClient
from PIL import Image

from sitebuild.figures import DARK_FOREGROUND
from sitebuild.figures import dark_png
from sitebuild.notebook import fold_solutions_and_pair_figures

LAB = Path(__file__).resolve().parent.parent / "docs" / "lab.ipynb"
SOLUTIONS = [f"ex{number}-solution" for number in range(1, 9)]  # each has its own test below
LESSONS = [  # the order of the site; the lab comes after all of them and links to each
    "derivatives",
    "leaves-and-grad-fn",
    "partial-derivatives",
    "plotting-with-detach",
    "turning-autograd-off",
    "when-backward-fails",
    "custom-functions",
    "higher-order-derivatives",
    "jacobians-and-torch-func",
    "custom-functions-in-full",
]
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"


def _notebook():
    return nbformat.read(LAB, as_version=4)


def _cells_by_id(nb) -> dict:
    return {cell.id: cell for cell in nb.cells}


# ---- running the lab -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict:
    """Run a copy of the lab in an empty folder in a Jupyter kernel; return its cells by id, with outputs."""
    folder = tmp_path_factory.mktemp("lab")
    copy = folder / "lab.ipynb"
    shutil.copy(LAB, copy)
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(folder)}}).execute()
    return _cells_by_id(nb)


def printed(executed: dict, cell_id: str) -> str:
    """What one cell printed, as the page shows it."""
    return "".join(
        output.text
        for output in executed[cell_id].outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def figure_count(executed: dict, cell_id: str) -> int:
    return sum("image/png" in output.get("data", {}) for output in executed[cell_id].outputs)


@pytest.fixture(scope="module")
def namespaces() -> dict[str, dict]:
    """A second route to the same results: the lab's code cells run here, in order, in one namespace
    (plt.show() closes the figure); the globals right after each solution cell, by cell id."""
    names: dict = {}
    after: dict[str, dict] = {}
    show = plt.show
    plt.show = lambda *args, **kwargs: plt.close("all")
    try:
        for cell in _notebook().cells:
            if cell.cell_type != "code":
                continue
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell.source, f"lab.ipynb:{cell.id}", "exec"), names)  # noqa: S102
            if cell.id in SOLUTIONS:
                after[cell.id] = dict(names)
    finally:
        plt.show = show
        plt.close("all")
    return after


# ---- the notebook as stored ----------------------------------------------------------------------


def test_stored_without_outputs():
    nb = _notebook()
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Lab: derivatives in PyTorch")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_every_exercise_has_a_cell_to_try_and_then_a_collapsed_solution():
    cells = _notebook().cells
    solutions = [index for index, cell in enumerate(cells) if "solution" in cell.metadata.get("tags", [])]
    assert [cells[index].id for index in solutions] == SOLUTIONS
    for index in solutions:
        cell = cells[index]
        assert cell.cell_type == "code"
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}  # collapsed in Jupyter
        before = cells[index - 1]
        assert before.cell_type == "code" and "# Your code here" in before.source, f"no cell to try before {cell.id}"
    tries = [cell for cell in cells if cell.cell_type == "code" and "# Your code here" in cell.source]
    assert len(tries) == len(SOLUTIONS)


def test_solutions_appear_only_in_their_solution_cells():
    """The old lab printed each solution in Markdown and ran it again in plain sight: neither is left.
    A line of a solution that the exercise does not hand out (in its cell to try, or the buggy cell)
    appears nowhere else."""
    cells = _notebook().cells
    given = {line.strip() for cell in cells if cell.cell_type == "code" and cell.id not in SOLUTIONS
             for line in cell.source.splitlines()}
    answers = {
        line.strip()
        for cell in cells
        if cell.id in SOLUTIONS
        for line in cell.source.splitlines()
        if len(line.strip()) > 20 and not line.strip().startswith("#")
    } - given
    assert len(answers) > 50
    for cell in cells:
        if cell.id in SOLUTIONS:
            continue
        assert "<details" not in cell.source and "```" not in cell.source
        text = cell.source.replace("`", "")
        assert [line for line in answers if line in text] == [], f"cell {cell.id} gives a solution away"


def test_every_solution_has_a_test_below():
    tested = {name.removeprefix("test_ex").split("_")[0] for name in globals() if name.startswith("test_ex")}
    assert {f"ex{number}-solution" for number in tested} == set(SOLUTIONS)


def test_the_lab_comes_after_the_lessons_and_links_each_of_them():
    nb = _notebook()
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "after the ten lessons" in nb.cells[0].source
    assert "go further" not in text
    for lesson in LESSONS:
        assert f"](../{lesson}/)" in text, f"the lab does not link {lesson}"
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Exercise"):
            assert "Lesson" in cell.source and "](../" in cell.source, f"{cell.id} names no lesson"


# ---- each solution, against calculus -------------------------------------------------------------


def test_ex1_gradients_add_up_until_zeroed(executed, namespaces):
    out = printed(executed, "ex1-solution")
    x = 1.5
    slope = 3 * x**2 - 2  # f(x) = x**3 - 2x
    assert slope == pytest.approx(central_difference(lambda t: t**3 - 2 * t, x))
    for call in (1, 2, 3):
        assert tensor_values(line_with(out, f"x.grad after call {call}:")) == [pytest.approx(call * slope)]
    assert tensor_values(line_with(out, "dg/dx after zero_():")) == [2 * x]  # g = x**2: nothing left of f
    assert namespaces["ex1-solution"]["x"].grad.item() == 2 * x


def test_ex1_backward_accumulates_into_grad():
    """What the solution's comment says (.grad adds up, zero_() empties it), done here independently."""
    x = torch.tensor(1.5, requires_grad=True)
    (x**2).backward()
    (x**2).backward()
    assert x.grad.item() == 2 * (2 * 1.5)
    x.grad.zero_()
    assert x.grad.item() == 0


def test_ex2_autograd_grad_returns_partials_and_leaves_grad_empty(executed, namespaces):
    out = printed(executed, "ex2-solution")
    a, b = 2.0, 0.5
    df_da, df_db = math.exp(b), a * math.exp(b) + 2 * b
    assert (df_da, df_db) == pytest.approx(partial_differences(lambda u, v: u * torch.exp(v) + v**2, a, b), abs=1e-6)
    assert tensor_values(line_with(out, "df/da:")) == [pytest.approx(df_da, abs=5e-5)]
    assert tensor_values(line_with(out, "df/db:")) == [pytest.approx(df_db, abs=5e-5)]
    assert float(line_with(out, "by hand, df/da:").split(":")[1]) == pytest.approx(df_da)
    assert float(line_with(out, "by hand, df/db:").split(":")[1]) == pytest.approx(df_db)
    assert line_with(out, "a.grad:") == "a.grad: None b.grad: None"
    names = namespaces["ex2-solution"]
    assert names["a"].grad is None and names["b"].grad is None
    assert names["df_db"].item() == pytest.approx(df_db)


def test_ex3_derivative_of_sin_squared_is_sin_2x(executed, namespaces):
    out = printed(executed, "ex3-solution")
    assert line_with(out, "dy/dx equals sin(2x):") == "dy/dx equals sin(2x): True"
    assert tensor_values(line_with(out, "dy/dx at x = pi/4:")) == [pytest.approx(math.sin(2 * math.pi / 4), abs=5e-5)]
    assert figure_count(executed, "ex3-solution") == 1
    names = namespaces["ex3-solution"]
    assert not names["xs"].requires_grad and torch.equal(names["xs"], names["x"].detach())  # outside the graph
    x = names["x"].detach().double()
    assert len(x) == 201 and x[25].item() == pytest.approx(math.pi / 4)
    expected = 2 * torch.sin(x) * torch.cos(x)  # the chain rule, d/dx sin = cos
    assert torch.allclose(names["x"].grad.double(), expected, atol=1e-5)
    for point in (0.3, 1.0, 2.5):
        assert math.sin(2 * point) == pytest.approx(central_difference(lambda t: torch.sin(t) ** 2, point), abs=1e-6)


def test_ex4_custom_function_passes_gradcheck_and_gradgradcheck(executed, namespaces):
    out = printed(executed, "ex4-solution")
    assert line_with(out, "gradcheck passes:") == "gradcheck passes: True"
    assert tensor_values(line_with(out, "f'(1) and f'(2):")) == [pytest.approx(2 * x / (1 + x**2)) for x in (1, 2)]
    function = namespaces["ex4-solution"]["LogOnePlusSquare"]
    points = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(function.apply, (points,))
    assert torch.autograd.gradgradcheck(function.apply, (points,))
    assert torch.allclose(function.apply(points), torch.log(1 + points**2))
    (slope,) = torch.autograd.grad(function.apply(points).sum(), points)
    assert torch.allclose(slope, 2 * points / (1 + points**2))


def test_ex5_backward_twice_through_a_shared_graph_raises(executed):
    out = printed(executed, "ex5-bug")
    assert out.startswith("RuntimeError: Trying to backward through the graph a second time")
    x = torch.tensor(2.0, requires_grad=True)
    h = x * torch.sin(x)
    (h**2).backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        (3 * h).backward()


def test_ex5_retain_graph_and_zero_give_each_derivative(executed, namespaces):
    out = printed(executed, "ex5-solution")
    x = 2.0
    h, dh = x * math.sin(x), math.sin(x) + x * math.cos(x)
    assert dh == pytest.approx(central_difference(lambda t: t * torch.sin(t), x), abs=1e-6)
    assert tensor_values(line_with(out, "dy/dx:")) == [pytest.approx(2 * h * dh, abs=5e-5)]
    assert tensor_values(line_with(out, "dz/dx:")) == [pytest.approx(3 * dh, abs=5e-5)]
    names = namespaces["ex5-solution"]
    assert names["dy_dx"].item() == pytest.approx(2 * h * dh, rel=1e-5)
    assert names["x"].grad.item() == pytest.approx(3 * dh, rel=1e-5)


def test_ex6_gradient_descent_under_no_grad_follows_the_closed_form(executed, namespaces):
    out = printed(executed, "ex6-solution")
    for step in (1, 2, 25):
        line = line_with(out, f"step {step}:")
        a, b = (float(part.split("=")[1]) for part in line.split(":")[1].split(","))
        assert a == pytest.approx(1 - 0.8**step, abs=2e-6)  # a - 1 shrinks by 1 - 2 * lr
        assert b == pytest.approx(-2 + 2 * 0.6**step, abs=2e-6)  # b + 2 shrinks by 1 - 4 * lr
    assert line_with(out, "a and b are leaves:") == "a and b are leaves: True"
    names = namespaces["ex6-solution"]
    for name in ("a", "b"):
        assert names[name].is_leaf and names[name].requires_grad and names[name].grad.item() == 0


def test_ex6_in_place_update_of_a_leaf_needs_no_grad():
    """Why the update is inside torch.no_grad(): outside it, PyTorch refuses."""
    a = torch.tensor(0.0, requires_grad=True)
    ((a - 1) ** 2).backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a -= 0.1 * a.grad
    with torch.no_grad():
        a -= 0.1 * a.grad
    assert a.is_leaf and a.item() == pytest.approx(0.2)


def test_ex7_second_derivative_with_create_graph(executed, namespaces):
    out = printed(executed, "ex7-solution")
    x = 1.0
    df, d2f = math.sin(x) + x * math.cos(x), 2 * math.cos(x) - x * math.sin(x)
    assert df == pytest.approx(central_difference(lambda t: t * torch.sin(t), x), abs=1e-6)
    assert d2f == pytest.approx(central_difference(lambda t: torch.sin(t) + t * torch.cos(t), x), abs=1e-6)
    assert tensor_values(line_with(out, "f'(1):")) == [pytest.approx(df, abs=5e-5)]
    assert "grad_fn=" in line_with(out, "f'(1):")  # create_graph=True: f' is recorded
    assert tensor_values(line_with(out, "f''(1):")) == [pytest.approx(d2f, abs=5e-5)]
    assert figure_count(executed, "ex7-solution") == 1
    names = namespaces["ex7-solution"]
    assert names["df"].grad_fn is not None and names["d2f"].grad_fn is None
    xs = names["xs"].detach().double()
    assert torch.allclose(names["dfs"].detach().double(), torch.sin(xs) + xs * torch.cos(xs), atol=1e-5)
    assert torch.allclose(names["d2fs"].double(), 2 * torch.cos(xs) - xs * torch.sin(xs), atol=1e-5)


def test_ex8_jacobian_of_polar_coordinates(executed, namespaces):
    out = printed(executed, "ex8-solution")
    r, theta = 2.0, math.pi / 6
    expected = [math.cos(theta), -r * math.sin(theta), math.sin(theta), r * math.cos(theta)]
    assert tensor_values(out.split("det J:")[0]) == [pytest.approx(value, abs=5e-5) for value in expected]
    assert tensor_values(line_with(out, "det J:")) == [pytest.approx(r, abs=5e-5)]
    names = namespaces["ex8-solution"]
    point = torch.tensor([r, theta], dtype=torch.float64)
    h = 1e-6
    g = names["g"]
    columns = [(g(point + h * e) - g(point - h * e)) / (2 * h) for e in torch.eye(2, dtype=torch.float64)]
    by_differences = torch.stack(columns, dim=1)  # column j: the change of g along input j
    by_hand = torch.tensor(expected, dtype=torch.float64).view(2, 2)
    assert torch.allclose(names["J"].double(), by_hand, atol=1e-6)
    assert torch.allclose(by_differences, by_hand, atol=1e-6)


# ---- the built page ------------------------------------------------------------------------------


@pytest.fixture
def lab_page(built_site) -> BeautifulSoup:
    """The built lab page, parsed afresh for each test (tests may take it apart)."""
    page = BeautifulSoup((built_site / "lab" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select(".jp-OutputArea-output"), "the lab was not executed (is LAB_EXECUTE=false set?)"
    return page


def test_solutions_are_folded_and_closed_on_the_page(lab_page):
    folds = lab_page.select("details.lab-solution")
    assert len(folds) == len(SOLUTIONS)
    for fold, cell_id in zip(folds, SOLUTIONS):
        assert not fold.has_attr("open"), f"{cell_id} is open"
        assert fold.summary.get_text(strip=True) == "Solution"
        assert fold.select_one(f'[id="cell-id={cell_id}"]'), f"{cell_id} is not in its fold"
        assert fold.select(".jp-OutputArea-output"), f"{cell_id}: its output is not in its fold"
    # Their executed output is in the folds, with the values of calculus.
    folded = "\n".join(fold.get_text() for fold in folds)
    assert f"x.grad after call 3: tensor({3 * (3 * 1.5**2 - 2):.4f})" in folded
    assert f"det J: tensor({2.0:.0f}.)" in folded
    # And nothing of a solution is left outside them.
    for fold in lab_page.select("details.lab-solution"):
        fold.decompose()
    outside = lab_page.get_text()
    for cell_id in SOLUTIONS:
        assert not lab_page.select_one(f'[id="cell-id={cell_id}"]')
    for shown_only_in_solutions in ("x.grad after call", "df/da:", "dy/dx at x = pi/4", "gradcheck passes",
                                    "dz/dx:", "step 25:", "f''(1):", "det J:", "ctx.save_for_backward(x)"):
        assert shown_only_in_solutions not in outside, f"{shown_only_in_solutions!r} is in plain sight"
    assert lab_page.select(".celltoolbar") == []


def test_figures_come_light_and_dark_with_the_cells_alt_text(lab_page, built_site):
    alts = [cell.metadata["alt"] for cell in _notebook().cells if "alt" in cell.metadata]
    figures = lab_page.select("figure.snippet-figure")
    assert len(figures) == len(alts) == 2
    for figure, alt in zip(figures, alts):
        assert figure.find_parent("details", class_="lab-solution"), "a solution's figure is in plain sight"
        light, dark = figure.find_all("img")
        assert light["src"].endswith("#only-light") and dark["src"].endswith("#only-dark")
        assert light["alt"] == dark["alt"] == alt and len(alt) > 60
        pictures = []
        for img in (light, dark):
            # A file of this site (a page of base64 would weigh a quarter of a megabyte), linked to itself.
            url = img["src"].split("#", 1)[0]
            variant = img["src"].split("#only-", 1)[1]
            assert url.startswith("../assets/figures/lab-") and url.endswith(f"-{variant}.png")  # CSS hides the other
            assert img.find_parent("a")["href"] == url
            pictures.append(_picture((built_site / "lab" / url).resolve().read_bytes()))
        assert pictures[0].shape == pictures[1].shape and (int(light["width"]), int(light["height"])) == (
            pictures[0].shape[1],
            pictures[0].shape[0],
        )
        _assert_dark_variant(*pictures)
    assert all(img["alt"] != NBCONVERT_DEFAULT_ALT for img in lab_page.select(".md-content img"))


def _picture(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA"), dtype=np.int32)


def _assert_dark_variant(light: np.ndarray, dark: np.ndarray) -> None:
    """White paper turns clear; black ink turns the dark palette's light grey; no dark ink is left."""
    paper = (light[..., :3] == 255).all(axis=-1)
    ink = (light[..., :3] == 0).all(axis=-1)
    assert paper.mean() > 0.5 and ink.any()
    assert (dark[paper][:, 3] == 0).all()
    foreground = [int(DARK_FOREGROUND[i : i + 2], 16) for i in (1, 3, 5)]
    assert (dark[ink] == [*foreground, 255]).all()
    opaque = dark[..., 3] > 128
    assert (dark[opaque][:, :3].max(axis=-1) > 100).all(), "dark ink left on a dark page"


def test_dark_png_keeps_colours_and_clears_paper():
    """sitebuild.figures.dark_png on a made-up picture: white, black, grey, a red and a half-red pixel."""
    pixels = np.array([[[255, 255, 255], [0, 0, 0], [128, 128, 128], [255, 0, 0], [255, 128, 128]]], dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    out = np.asarray(Image.open(io.BytesIO(dark_png(buffer.getvalue()))).convert("RGBA"), dtype=np.int32)[0]
    foreground = [int(DARK_FOREGROUND[i : i + 2], 16) for i in (1, 3, 5)]
    assert out[0][3] == 0  # white paper: clear
    assert list(out[1]) == [*foreground, 255]  # black ink: light grey
    assert list(out[2][:3]) == foreground and out[2][3] == 127  # grey ink: light grey, half covered
    assert list(out[3]) == [255, 0, 0, 255]  # a colour stays
    assert list(out[4][:3]) == [255, 128, 128] and out[4][3] == 127  # half a colour stays, half covered


def test_lesson_links_resolve_and_the_page_keeps_download_math_and_description(lab_page, built_site):
    article = lab_page.select_one(".jupyter-wrapper")
    links = {a["href"] for a in article.select("a[href]") if not a["href"].startswith("#") and not a.img}  # not figures
    assert links == {f"../{lesson}/" for lesson in LESSONS}
    for link in links:
        assert (built_site / "lab" / link / "index.html").resolve().is_file(), f"{link} is not a page"
    button = lab_page.select_one(".notebook-download a[download]")
    assert button["href"] == "lab.ipynb"
    assert (built_site / "lab" / "lab.ipynb").read_bytes() == LAB.read_bytes()
    description = json.loads(LAB.read_text(encoding="utf-8"))["metadata"]["description"]
    assert lab_page.select_one('meta[name="description"]')["content"] == description
    assert article.select('math[display="block"]') and article.select('math[display="inline"]')
    assert "$" not in "".join(cell.get_text() for cell in article.select(".jp-MarkdownOutput"))
    assert [script for script in lab_page.select("script") if "mathjax" in str(script).lower()] == []


def _cell_html(cell_id: str, tags: str = "", image: str = "") -> str:
    """A code cell as mkdocs-jupyter writes it (its template wraps nbconvert's cell in a second div)."""
    output = f'<div class="jp-RenderedImage jp-OutputArea-output"><img src="{image}"></div>' if image else ""
    return (
        f'<div class="jp-Cell jp-CodeCell {tags}"><div class="jp-Cell jp-CodeCell {tags}" id="cell-id={cell_id}">'
        f'<div class="celltoolbar">solution</div><pre>code of {cell_id}</pre>{output}</div></div>'
    )


def test_adjacent_solutions_fold_separately():
    page = "<p>before</p>" + _cell_html("one", "celltag_solution") + _cell_html("two", "celltag_solution")
    folded = BeautifulSoup(fold_solutions_and_pair_figures(page), "html.parser")
    folds = folded.select("details.lab-solution")
    assert [fold.pre.get_text() for fold in folds] == ["code of one", "code of two"]
    assert folded.select(".celltoolbar") == [] and folded.p.get_text() == "before"


def test_a_figure_without_alt_text_stops_the_build():
    from mkdocs.exceptions import PluginError

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    with pytest.raises(PluginError, match="cell no-alt-here draws a figure; give it alt text"):
        fold_solutions_and_pair_figures(_cell_html("no-alt-here", image=src))
