"""snippets/plotting-with-detach/: backward on many values, and every plotted derivative against its formula."""

import pytest
import torch
from helpers import line_with, snippet_namespace, snippet_output, tensor_values


def relu_prime(x):
    """1 where x > 0, else 0: torch's choice at x = 0 is 0."""
    return torch.where(x > 0, 1.0, 0.0)


def test_non_scalar_backward_raises():
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        snippet_namespace("plotting-with-detach/non_scalar_backward.py")


def test_numpy_without_detach_raises():
    with pytest.raises(RuntimeError, match=r"requires grad\. Use tensor\.detach\(\)\.numpy\(\)"):
        snippet_namespace("plotting-with-detach/numpy_without_detach.py")


def test_sum_trick_and_ones_like_agree():
    out = snippet_output("plotting-with-detach/sum_trick.py")
    x = torch.linspace(-2, 2, 5)
    expected = (2 * x).tolist()
    assert tensor_values(line_with(out, "x:")) == x.tolist()
    assert tensor_values(line_with(out, "gradient from y.sum().backward():")) == expected
    assert tensor_values(line_with(out, "gradient from y.backward(torch.ones_like(x)):")) == expected
    assert line_with(out, "identical:") == "identical: True"


def _check_axes(ax, lines):
    assert len(ax.get_lines()) == lines
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None


def test_square_plot_derivative_is_2x():
    ns = snippet_namespace("plotting-with-detach/square_plot.py")
    x = ns["x"].detach()
    assert torch.equal(x, torch.linspace(-10, 10, 10))
    assert torch.allclose(ns["y"].detach(), x**2)
    assert torch.allclose(ns["x"].grad, 2 * x)
    _check_axes(ns["ax"], 2)


def test_relu_plot_derivative_is_a_step():
    ns = snippet_namespace("plotting-with-detach/relu_plot.py")
    x = ns["x"].detach()
    assert torch.equal(x, torch.linspace(-10, 10, 1000))
    assert not (x == 0).any()  # 1000 points from -10 to 10: none lands on 0
    assert torch.equal(ns["y"].detach(), torch.clamp(x, min=0))
    assert torch.equal(ns["x"].grad, relu_prime(x))
    _check_axes(ns["ax"], 2)


def test_relu_at_zero_is_zero():
    out = snippet_output("plotting-with-detach/relu_at_zero.py")
    x = torch.tensor([-1.0, 0.0, 1.0])
    assert tensor_values(line_with(out, "x:")) == x.tolist()
    assert tensor_values(line_with(out, "relu'(x):")) == relu_prime(x).tolist()


def test_sin_cos_plot_derivative_is_cos():
    assert line_with(snippet_output("plotting-with-detach/sin_cos_plot.py"), "autograd's derivative equals cos(x):").endswith("True")
    ns = snippet_namespace("plotting-with-detach/sin_cos_plot.py")
    x = ns["x"].detach()
    assert torch.allclose(ns["x"].grad, torch.cos(x), atol=1e-6)
    _check_axes(ns["ax"], 3)
