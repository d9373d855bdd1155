"""snippets/derivatives/: every printed value and derivative against the calculus, written out here."""

import pytest
from helpers import central_difference, line_with, snippet_namespace, snippet_output, tensor_values


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
    with pytest.raises(RuntimeError, match="does not require grad"):
        snippet_namespace("derivatives/no_requires_grad.py")
