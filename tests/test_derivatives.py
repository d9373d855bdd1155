"""snippets/derivatives/: every printed value and derivative against the calculus, written out here."""

import pytest
import torch
from helpers import central_difference, line_with, snippet_namespace, snippet_output, snippet_result, tensor_values


# snippet, the point x, f(x), f'(x) worked out by hand, and the labels of the two printed lines
CASES = [
    ("derivatives/x_squared.py", 2.0, lambda x: x**2, lambda x: 2 * x,
     "y = x**2:", "dy/dx at x = 2:"),
    ("derivatives/quadratic.py", 2.0, lambda x: x**2 + 2 * x + 1, lambda x: 2 * x + 2,
     "y = x**2 + 2x + 1 at x = 2:", "dy/dx at x = 2:"),
    ("derivatives/three_x_squared.py", 3.0, lambda x: 3 * x**2, lambda x: 6 * x,
     "y = 3x**2 at x = 3:", "dy/dx at x = 3:"),
    ("derivatives/polynomial.py", 3.0, lambda x: 6 * x**2 + 2 * x + 4, lambda x: 12 * x + 2,
     "y = 6x**2 + 2x + 4 at x = 3:", "dy/dx at x = 3:"),
    ("derivatives/practice_cubic.py", 1.0, lambda x: 2 * x**3 + x, lambda x: 6 * x**2 + 1,
     "y = 2x**3 + x at x = 1:", "dy/dx at x = 1:"),
    ("derivatives/own_function.py", 3.0, lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2,
     "f(x) at x = 3:", "df/dx at x = 3:"),
]


@pytest.mark.parametrize("snippet, x, f, df_dx, value_label, grad_label", CASES, ids=[c[0] for c in CASES])
def test_value_and_derivative(snippet, x, f, df_dx, value_label, grad_label):
    out = snippet_output(snippet)
    assert tensor_values(line_with(out, value_label)) == [f(x)]
    printed = tensor_values(line_with(out, grad_label))
    assert printed == [df_dx(x)]
    assert printed[0] == pytest.approx(central_difference(f, x), rel=1e-5)


def test_x_squared_shows_the_input():
    out = snippet_output("derivatives/x_squared.py")
    assert line_with(out, "x:") == "x: tensor(2., requires_grad=True)"
    assert "grad_fn=<PowBackward0>" in line_with(out, "y = x**2:")


def test_no_requires_grad_raises():
    result = snippet_result("derivatives/no_requires_grad.py")
    assert result.error is not None, "no_requires_grad.py was meant to raise"
    assert result.error.type == "RuntimeError"
    assert "does not require grad and does not have a grad_fn" in result.error.last_line
    # what the page says the output shows: the value 4, and no history
    assert tensor_values(line_with(result.stdout, "y:")) == [2.0**2]
    assert line_with(result.stdout, "y.requires_grad:") == "y.requires_grad: False"
    assert line_with(result.stdout, "y.grad_fn:") == "y.grad_fn: None"
    # and the same mistake redone here, on another function
    x = torch.tensor(1.5)
    y = 3 * x**2 + x
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        y.backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        snippet_namespace("derivatives/no_requires_grad.py")


def test_requires_grad_records_operations_as_grad_fn():
    x = torch.tensor(2.0, requires_grad=True)
    assert x.grad_fn is None
    assert (x**2).grad_fn.name() == "PowBackward0"
    assert (3 * x).grad_fn.name() == "MulBackward0"
    assert (x**2 + 1).grad_fn.name() == "AddBackward0"


def test_backward_stores_the_derivative_on_the_input():
    x = torch.tensor(2.0, requires_grad=True)
    assert x.grad is None
    (x**2).backward()
    assert x.grad.item() == 2 * 2.0


def test_a_loop_in_your_own_function_is_differentiated_like_the_formula():
    ns = snippet_namespace("derivatives/own_function.py")
    for point in (-1.5, 0.5, 2.0):
        # the snippet's own f, differentiated here at other points
        x = torch.tensor(point, requires_grad=True)
        ns["f"](x).backward()
        assert x.grad.item() == pytest.approx(3 * point**2 - 2)
        # the same number as the one-expression formula
        z = torch.tensor(point, requires_grad=True)
        (z**3 - 2 * z).backward()
        assert x.grad.item() == pytest.approx(z.grad.item())
    out = snippet_output("derivatives/own_function.py")
    assert "grad_fn=<SubBackward0>" in line_with(out, "f(x) at x = 3:")


def test_tangent_grid_slopes_are_2x():
    """The table behind the slider of "The derivative is a slope": x = -3, -2.75, ..., 3, one
    backward() per point. Every x.grad is the slope 2x worked out by hand."""
    from widget_records import parse_table

    rows = parse_table(snippet_output("derivatives/tangent_grid.py"), "x**2")
    grid = [k / 4 for k in range(-12, 13)]
    assert [float(x) for x, _, _ in rows] == grid  # quarters print exactly
    for (_, y_text, grad_text), x in zip(rows, grid):
        # x**2 (4 decimals) and 2x (2 decimals) are exact on this grid, in float32 too
        assert float(y_text) == x**2, x
        assert float(grad_text) == 2 * x, x
    for x in (-2.5, 0.0, 1.75):
        assert float(rows[grid.index(x)][2]) == pytest.approx(central_difference(lambda t: t**2, x), abs=1e-6)
