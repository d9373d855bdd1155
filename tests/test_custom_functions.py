"""snippets/custom-functions/: SQ against the chain rule, gradcheck, and the seeds' wrong backward."""

import pytest
import torch
from helpers import central_difference, line_with, snippet_namespace, snippet_output, snippet_result, tensor_values
from torch.autograd.gradcheck import GradcheckError


def square(x):
    return x**2


def d_square(x):
    return 2 * x


def three_square(x):
    return 3 * x**2


def d_three_square(x):
    return 6 * x


@pytest.mark.parametrize("snippet", ["custom-functions/sq_function.py", "custom-functions/sq_setup_context.py"])
def test_sq_value_and_derivative(snippet):
    out = snippet_output(snippet)
    x = 2.0
    assert tensor_values(line_with(out, "y = SQ(x) at x = 2:")) == [square(x)]
    assert "grad_fn=<SQBackward>" in line_with(out, "y = SQ(x) at x = 2:")
    printed = tensor_values(line_with(out, "dy/dx at x = 2:"))
    assert printed == [d_square(x)]
    assert printed[0] == pytest.approx(central_difference(square, x), rel=1e-5)


def test_sq_function_names_its_node():
    assert line_with(snippet_output("custom-functions/sq_function.py"), "y.grad_fn.name():") == (
        "y.grad_fn.name(): SQBackward"
    )


def test_sq_chain_rule_uses_grad_output():
    out = snippet_output("custom-functions/sq_chain_rule.py")
    x = 2.0
    assert tensor_values(line_with(out, "z = 3 * SQ(x) at x = 2:")) == [three_square(x)]
    assert tensor_values(line_with(out, "SQ.backward received grad_output:")) == [3.0]  # dz/dy for z = 3y
    printed = tensor_values(line_with(out, "dz/dx at x = 2:"))
    assert printed == [d_three_square(x)]
    assert printed[0] == pytest.approx(central_difference(three_square, x), rel=1e-5)


def test_sq_gradcheck_prints_true():
    assert line_with(snippet_output("custom-functions/sq_gradcheck.py"), "gradcheck passes:") == "gradcheck passes: True"


@pytest.mark.parametrize(
    "snippet",
    [
        "custom-functions/sq_function.py",
        "custom-functions/sq_chain_rule.py",
        "custom-functions/sq_setup_context.py",
        "custom-functions/sq_gradcheck.py",
    ],
)
def test_every_correct_sq_passes_gradcheck_and_gradgradcheck(snippet):
    sq = snippet_namespace(snippet)["SQ"]
    x = torch.tensor([-1.5, -0.3, 0.0, 0.7, 2.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(sq.apply, (x,))
    assert torch.autograd.gradgradcheck(sq.apply, (x,))
    # and it agrees with torch's own x**2 under a non-trivial grad_output
    weights = torch.linspace(-2, 3, 5, dtype=torch.float64)
    (grad,) = torch.autograd.grad(sq.apply(x), x, weights)
    assert torch.allclose(grad, weights * d_square(x.detach()))


def test_wrong_backward_ignores_the_chain_rule():
    out = snippet_output("custom-functions/wrong_backward.py")
    x = 2.0
    wrong = tensor_values(line_with(out, "dz/dx for z = 3 * WrongSQ(x) at x = 2:"))
    right = tensor_values(line_with(out, "dz/dx for z = 3 * x**2 at x = 2:"))
    assert wrong == [d_square(x)]  # grad_output (3) was dropped
    assert right == [d_three_square(x)]
    assert right[0] == pytest.approx(central_difference(three_square, x), rel=1e-5)
    assert wrong[0] != pytest.approx(central_difference(three_square, x), rel=1e-2)


def test_wrong_gradcheck_prints_false_then_names_the_mistake():
    result = snippet_result("custom-functions/wrong_gradcheck.py")
    assert line_with(result.stdout, "gradcheck passes:") == "gradcheck passes: False"
    assert result.error.type == "GradcheckError"
    assert "backward not multiplied by grad_output" in result.error.message
    with pytest.raises(GradcheckError, match="backward not multiplied by grad_output"):
        snippet_namespace("custom-functions/wrong_gradcheck.py")


def test_the_seeds_wrong_sq_fails_gradcheck():
    wrong = snippet_namespace("custom-functions/wrong_backward.py")["WrongSQ"]
    x = torch.tensor([-1.5, 0.7, 2.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(wrong.apply, (x,), raise_exception=False) is False
