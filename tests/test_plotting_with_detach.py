"""snippets/plotting-with-detach/: backward on many values, backward(v) as a vector-Jacobian product,
detach() before numpy() (and what detach shares), and every plotted derivative against its formula.

Each expected value comes from a formula written here (2x, 3x^2, a Jacobian built by hand, the
one-sided slopes of max(0, x), 1 / (2 sqrt(x))), or from doing the same operations again in the test.
"""

import math
import subprocess
import sys
import warnings

import pytest
import torch
from helpers import central_difference, line_with, snippet_namespace, snippet_output, snippet_result, tensor_values

SLUG = "plotting-with-detach"

MISMATCH = "Mismatch in shape"
INPLACE = "one of the variables needed for gradient computation has been modified by an inplace operation"
NUMPY_NEEDS_DETACH = r"requires grad\. Use tensor\.detach\(\)\.numpy\(\)"


def relu_prime(x):
    """1 where x > 0, else 0: torch.relu's choice at x = 0 is 0."""
    return torch.where(x > 0, 1.0, 0.0)


def jacobian_of_mix(x):
    """J of y0 = x0*x2, y1 = x1*x2, written out by hand: rows are outputs, columns inputs."""
    x0, x1, x2 = x.tolist()
    return torch.tensor([[x2, 0.0, x0], [0.0, x2, x1]])


MIX_X = torch.tensor([1.0, 2.0, 4.0])


def raised(snippet):
    result = snippet_result(f"{SLUG}/{snippet}")
    assert result.error is not None, f"{snippet} was meant to raise"
    return result


# --- backward() needs a scalar; backward(v) is v^T J --------------------------------------------


def test_non_scalar_backward_raises():
    result = raised("non_scalar_backward.py")
    assert result.error.type == "RuntimeError"
    assert "only for scalar outputs" in result.error.last_line
    x = torch.linspace(-2, 2, 5)
    assert tensor_values(line_with(result.stdout, "y:")) == (x**2).tolist()
    # redone here, on another function with several outputs
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 3).backward()


def test_backward_of_a_single_number_uses_v_equal_one():
    x = torch.tensor([1.5, -2.0], requires_grad=True)
    (x**2).sum().backward()
    implicit = x.grad.clone()
    x.grad = None
    (x**2).sum().backward(torch.tensor(1.0))
    assert torch.equal(implicit, x.grad)
    assert torch.equal(implicit, 2 * x.detach())
    # "a single number": a one-element tensor that is not 0-d needs no v either
    t = torch.tensor([3.0], requires_grad=True)
    (t**2).backward()
    assert t.grad.tolist() == [2 * 3.0]


def test_sum_trick_and_ones_like_y_agree():
    out = snippet_output(f"{SLUG}/sum_trick.py")
    x = torch.linspace(-2, 2, 5)
    expected = (2 * x).tolist()
    assert tensor_values(line_with(out, "x:")) == x.tolist()
    assert tensor_values(line_with(out, "via y.sum().backward():")) == expected
    assert tensor_values(line_with(out, "via y.backward(v):")) == expected
    assert line_with(out, "identical:") == "identical: True"
    ns = snippet_namespace(f"{SLUG}/sum_trick.py")
    assert ns["v"].shape == ns["y"].shape  # v is built from the output
    for xi, gi in zip(x.tolist(), expected):
        assert gi == pytest.approx(central_difference(lambda t: t**2, xi))


def test_backward_adds_into_grad():
    """Why sum_trick.py empties x.grad before its second backward()."""
    x = torch.linspace(-2, 2, 5, requires_grad=True)
    (x**2).sum().backward()
    (x**2).backward(torch.ones(5))
    assert torch.equal(x.grad, 2 * (2 * x.detach()))


def test_vjp_is_v_times_the_jacobian():
    out = snippet_output(f"{SLUG}/vjp.py")
    x0, x1, x2 = MIX_X.tolist()
    assert tensor_values(line_with(out, "y:")) == [x0 * x2, x1 * x2]
    v = torch.tensor([1.0, 10.0])
    expected = v @ jacobian_of_mix(MIX_X)  # (4, 40, 21)
    assert expected.tolist() == [4.0, 40.0, 21.0]
    assert tensor_values(line_with(out, "x.grad = v^T J:")) == expected.tolist()
    ns = snippet_namespace(f"{SLUG}/vjp.py")
    assert ns["v"].shape == ns["y"].shape == (2,)  # v in the output space
    assert ns["x"].grad.shape == ns["x"].shape == (3,)  # v^T J in the input space
    # v^T J is also the gradient of the scalar sum_i v_i y_i
    x = MIX_X.clone().requires_grad_()
    (v * (x[:2] * x[2])).sum().backward()
    assert torch.equal(x.grad, ns["x"].grad)


def test_gradient_shaped_like_the_input_raises_mismatch_in_shape():
    result = raised("wrong_gradient_shape.py")
    assert result.error.type == "RuntimeError"
    assert MISMATCH in result.error.last_line
    assert "torch.Size([3])" in result.error.last_line and "torch.Size([2])" in result.error.last_line
    assert line_with(result.stdout, "x.shape:") == "x.shape: torch.Size([3])"
    assert line_with(result.stdout, "y.shape:") == "y.shape: torch.Size([2])"
    # redone here: a v of shape (2,) for an output of shape (3,) fails the same way
    x = torch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=MISMATCH):
        (x**2).backward(torch.ones(2))


def test_ones_like_y_sums_the_columns_of_the_jacobian():
    out = snippet_output(f"{SLUG}/ones_like_y.py")
    expected = jacobian_of_mix(MIX_X).sum(dim=0)  # (x2, x2, x0 + x1) = (4, 4, 3)
    assert expected.tolist() == [4.0, 4.0, 3.0]
    assert tensor_values(line_with(out, "x.grad:")) == expected.tolist()


# --- detach() before numpy(), and what detach() shares --------------------------------------------


def test_numpy_without_detach_raises():
    result = raised("numpy_without_detach.py")
    assert result.error.type == "RuntimeError"
    assert line_with(result.stdout, "y.requires_grad:") == "y.requires_grad: True"
    assert "Use tensor.detach().numpy()" in result.error.last_line
    # redone here: any tensor that requires grad, a leaf included
    x = torch.ones(2, requires_grad=True)
    for t in (x, x * 2):
        with pytest.raises(RuntimeError, match=NUMPY_NEEDS_DETACH):
            t.numpy()


def test_detached_tensor_has_no_history_and_converts():
    out = snippet_output(f"{SLUG}/detach_numpy.py")
    assert line_with(out, "d.requires_grad:") == "d.requires_grad: False"
    assert line_with(out, "d.grad_fn:") == "d.grad_fn: None"
    ns = snippet_namespace(f"{SLUG}/detach_numpy.py")
    x = torch.linspace(-2, 2, 5)
    assert ns["d"].numpy().tolist() == (x**2).tolist()
    assert line_with(out, "d.numpy():") == f"d.numpy(): {(x**2).numpy()}"


def test_detach_shares_memory_with_the_original():
    out = snippet_output(f"{SLUG}/detach_shares_memory.py")
    assert line_with(out, "same memory:") == "same memory: True"
    changed = [1.0 + 10, 2.0 + 10, 3.0 + 10]
    assert tensor_values(line_with(out, "d:")) == changed
    assert tensor_values(line_with(out, "x:")) == changed  # the change shows up in x
    # redone here
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.detach()
    assert d.data_ptr() == x.data_ptr()
    d.zero_()
    assert torch.equal(x.detach(), torch.zeros(3))


def test_inplace_change_through_detach_is_caught_at_backward():
    result = raised("detach_inplace_error.py")
    assert result.error.type == "RuntimeError"
    assert INPLACE in result.error.last_line
    assert tensor_values(line_with(result.stdout, "y:")) == [1.0, 4.0, 9.0]
    assert tensor_values(line_with(result.stdout, "x:")) == [11.0, 12.0, 13.0]
    # redone here: x**2 keeps x for its backward, and the change is noticed
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x**2
    assert y.grad_fn._saved_self is x
    x.detach().add_(10)
    with pytest.raises(RuntimeError, match=INPLACE):
        y.sum().backward()


def test_inplace_change_counts_through_detach_but_not_through_data():
    """The page reads the error's "version": detach() shares x's count of in-place changes, .data doesn't."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert x._version == 0
    x.detach().add_(10)
    assert x._version == 1  # counted as a change to x
    x.data.add_(10)
    assert x._version == 1  # not counted
    assert x.detach().tolist() == [21.0, 22.0, 23.0]  # yet both changed x's numbers
    # and the message names the two versions
    result = raised("detach_inplace_error.py")
    assert "is at version 1; expected version 0" in result.error.last_line


def test_clone_copies_so_the_gradient_is_right():
    out = snippet_output(f"{SLUG}/detach_clone.py")
    x = torch.tensor([1.0, 2.0, 3.0])
    assert tensor_values(line_with(out, "c:")) == (x + 10).tolist()
    assert tensor_values(line_with(out, "x:")) == x.tolist()
    assert tensor_values(line_with(out, "x.grad:")) == (2 * x).tolist()
    ns = snippet_namespace(f"{SLUG}/detach_clone.py")
    assert ns["c"].data_ptr() != ns["x"].data_ptr()


def test_inplace_change_through_data_gives_a_silently_wrong_gradient():
    out = snippet_output(f"{SLUG}/data_silent.py")  # no error
    x = torch.tensor([1.0, 2.0, 3.0])
    assert tensor_values(line_with(out, "y:")) == (x**2).tolist()
    assert tensor_values(line_with(out, "x:")) == (x + 10).tolist()  # .data shares memory with x
    printed = tensor_values(line_with(out, "x.grad:"))
    right = (2 * x).tolist()  # dy/dx at the x that produced y
    assert printed != right
    assert printed == (2 * (x + 10)).tolist()
    # redone here
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert t.data.data_ptr() == t.data_ptr()


def test_grad_after_create_graph_requires_grad_and_needs_detach():
    result = raised("grad_create_graph.py")
    assert result.error.type == "RuntimeError"
    assert "Use tensor.detach().numpy()" in result.error.last_line
    assert line_with(result.stdout, "ordinary:") == "ordinary: False"
    assert line_with(result.stdout, "create_graph:") == "create_graph: True"
    assert line_with(result.stdout, "x.grad has a grad_fn:") == "x.grad has a grad_fn: True"
    assert result.warnings == ""  # the snippet silences the reference-cycle warning
    # redone here
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    assert x.grad.numpy().tolist() == [3.0, 12.0]
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    with pytest.raises(RuntimeError, match=NUMPY_NEEDS_DETACH):
        x.grad.numpy()


def test_backward_with_create_graph_warns_about_a_reference_cycle():
    # torch warns once per process, so ask a fresh one (this one may have warned already)
    code = (
        "import warnings, torch\n"
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    (x**3).sum().backward(create_graph=True)\n"
        "print([str(w.message) for w in caught if w.category is UserWarning])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "create_graph=True will create a reference cycle" in done.stdout


def test_detached_grad_after_create_graph_converts():
    out = snippet_output(f"{SLUG}/grad_create_graph_detach.py")
    assert line_with(out, "g.requires_grad:") == "g.requires_grad: False"
    ns = snippet_namespace(f"{SLUG}/grad_create_graph_detach.py")
    x = torch.tensor([1.0, 2.0])
    assert ns["g"].numpy().tolist() == (3 * x**2).tolist()
    assert line_with(out, "g.numpy():") == f"g.numpy(): {(3 * x**2).numpy()}"


# --- the plots ----------------------------------------------------------------------------------


def _check_axes(ax, lines):
    assert len(ax.get_lines()) == lines
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None


def test_square_plot_derivative_is_2x():
    ns = snippet_namespace(f"{SLUG}/square_plot.py")
    x = ns["x"].detach()
    assert torch.equal(x, torch.linspace(-10, 10, 10))
    assert torch.allclose(ns["y"].detach(), x**2)
    assert torch.allclose(ns["x"].grad, 2 * x)
    _check_axes(ns["ax"], 2)


def test_relu_plot_derivative_is_a_step():
    ns = snippet_namespace(f"{SLUG}/relu_plot.py")
    x = ns["x"].detach()
    assert torch.equal(x, torch.linspace(-10, 10, 1000))
    assert not (x == 0).any()  # 1000 points from -10 to 10: none lands on 0
    assert torch.equal(ns["y"].detach(), torch.clamp(x, min=0))
    assert torch.equal(ns["x"].grad, relu_prime(x))
    _check_axes(ns["ax"], 2)


def test_sin_cos_plot_derivative_is_cos():
    out = snippet_output(f"{SLUG}/sin_cos_plot.py")
    assert line_with(out, "autograd's derivative equals cos(x):").endswith("True")
    ns = snippet_namespace(f"{SLUG}/sin_cos_plot.py")
    x = ns["x"].detach()
    assert torch.allclose(ns["x"].grad, torch.cos(x), atol=1e-6)
    _check_axes(ns["ax"], 3)


# --- slopes at a kink -----------------------------------------------------------------------------


def test_relu_at_zero_is_zero():
    out = snippet_output(f"{SLUG}/relu_at_zero.py")
    x = torch.tensor([-1.0, 0.0, 1.0])
    assert tensor_values(line_with(out, "x:")) == x.tolist()
    assert tensor_values(line_with(out, "relu'(x):")) == relu_prime(x).tolist()


def test_relu_clamp_and_maximum_compute_the_same_values():
    x = torch.linspace(-3, 3, 61)
    assert torch.equal(torch.relu(x), x.clamp(min=0))
    assert torch.equal(torch.relu(x), torch.maximum(x, torch.zeros_like(x)))
    assert torch.equal(torch.relu(x), torch.where(x > 0, x, 0.0))  # max(0, x) by its definition


def test_slopes_at_zero_differ_by_operation():
    out = snippet_output(f"{SLUG}/kinks_at_zero.py")
    left, right = 0.0, 1.0  # the one-sided slopes of max(0, x) at 0
    # relu: the subgradient of smallest size in [left, right]
    assert tensor_values(line_with(out, "relu'(0):")) == [min(abs(left), abs(right))]
    # clamp(min=0): the right-hand slope
    assert tensor_values(line_with(out, "clamp'(0):")) == [right]
    # maximum(x, 0): halfway between the two
    assert tensor_values(line_with(out, "maximum'(0):")) == [(left + right) / 2]
    # sqrt: 1 / (2 sqrt(x)), which grows without bound as x shrinks to 0
    assert line_with(out, "sqrt'(0):") == "sqrt'(0): tensor(inf)"
    assert 1 / (2 * math.sqrt(1e-300)) > 1e149
    assert (1 / (2 * torch.sqrt(torch.tensor(0.0)))).item() == math.inf


# ---- tangent_grid.py: the table behind the sliders of "Move along the curve" ----------------------

from widget_records import parse_table  # noqa: E402

GRID = [k / 4 for k in range(-12, 13)]  # x = -3, -2.75, ..., 3


def _relu_slope(x):
    """relu' worked by hand: 0 left of 0, 1 right of it, and at 0 the 0 that torch.relu returns."""
    return 1.0 if x > 0 else 0.0


@pytest.mark.parametrize(
    "column, f, df, torch_f",
    [("relu(x)", lambda x: max(0.0, x), _relu_slope, torch.relu), ("sin(x)", math.sin, math.cos, torch.sin)],
    ids=["relu", "sin"],
)
def test_tangent_grid_slopes_are_the_derivative(column, f, df, torch_f):
    rows = parse_table(snippet_output("plotting-with-detach/tangent_grid.py"), column)
    assert [float(x) for x, _, _ in rows] == GRID  # quarters print exactly
    for (_, f_text, grad_text), x in zip(rows, GRID):
        # printed with 3 decimals from float32: within half a unit of the last decimal, and a bit
        assert float(f_text) == pytest.approx(f(x), abs=5e-4 + 1e-6), x
        assert float(grad_text) == pytest.approx(df(x), abs=5e-4 + 1e-6), x
    for x in (-2.0, 0.5, 2.5):  # away from relu's corner, finite differences agree too
        assert float(rows[GRID.index(x)][2]) == pytest.approx(central_difference(torch_f, x), abs=5e-4 + 1e-6)


def test_relu_tangent_at_zero_has_slope_zero():
    """The page: at 0 the relu tangent's slope is the 0 that torch.relu gives there."""
    rows = parse_table(snippet_output("plotting-with-detach/tangent_grid.py"), "relu(x)")
    assert rows[GRID.index(0.0)] == ("0.000", "0.000", "0.000")
    x = torch.tensor(0.0, requires_grad=True)
    torch.relu(x).backward()
    assert x.grad.item() == 0.0
