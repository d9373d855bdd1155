"""snippets/jacobians-and-torch-func/: torch.func results against derivatives and Jacobians worked out here."""

import math

import pytest
import torch
from helpers import (
    central_difference,
    line_with,
    snippet_namespace,
    snippet_output,
    snippet_result,
    tensor_values,
)
from torch.func import grad, jacfwd, jacrev, jvp, vjp, vmap

A = torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])
X = torch.tensor([1.0, 2.0, 3.0])


def x_sin_x_prime(x):
    """d/dx x sin x = sin x + x cos x (product rule)."""
    return math.sin(x) + x * math.cos(x)


def ax2_jacobian(a, x):
    """f(x) = A @ x**2: J_ij = A_ij * 2 x_j."""
    return a * (2 * x)[None, :]


def softmax_jacobian(x):
    """J = diag(s) - s s^T."""
    s = torch.exp(x) / torch.exp(x).sum()
    return torch.diag(s) - torch.outer(s, s)


def approx_list(values, rel=1e-4, abs=1e-4):
    return pytest.approx(values, rel=rel, abs=abs)


def test_func_grad_returns_a_function_that_matches_backward():
    out = snippet_output("jacobians-and-torch-func/func_grad.py")
    assert line_with(out, "grad(f) is a function:") == "grad(f) is a function: True"
    expected = x_sin_x_prime(1.0)
    by_grad = tensor_values(line_with(out, "f'(1) from grad(f):"))
    by_backward = tensor_values(line_with(out, "f'(1) from backward():"))
    assert by_grad == approx_list([expected])
    assert by_backward == by_grad
    assert by_grad[0] == pytest.approx(central_difference(lambda x: x * torch.sin(x), 1.0), abs=1e-4)
    ns = snippet_namespace("jacobians-and-torch-func/func_grad.py")
    assert callable(ns["df"]) and not isinstance(ns["df"], torch.Tensor)


def test_grad_of_grad_is_the_second_derivative():
    out = snippet_output("jacobians-and-torch-func/grad_of_grad.py")
    assert tensor_values(line_with(out, "f''(2):")) == [6 * 2.0]  # f'' = 6x


def test_vmap_grad_gives_per_point_derivatives_like_the_sum_trick():
    out = snippet_output("jacobians-and-torch-func/vmap_grad.py")
    xs = [-2.0, -1.0, 0.0, 1.0, 2.0]
    expected = [x_sin_x_prime(x) for x in xs]
    assert tensor_values(line_with(out, "vmap(grad(f)):")) == approx_list(expected)
    assert tensor_values(line_with(out, "sum trick:")) == approx_list(expected)
    ns = snippet_namespace("jacobians-and-torch-func/vmap_grad.py")
    assert torch.allclose(ns["per_point"], torch.tensor(expected), atol=1e-6)
    assert torch.allclose(ns["per_point"], ns["x"].grad, atol=1e-6)


def test_vmap_is_like_a_loop_over_the_first_dimension():
    ns = snippet_namespace("jacobians-and-torch-func/vmap_grad.py")
    looped = torch.stack([torch.func.grad(ns["f"])(x) for x in ns["xs"]])
    assert torch.allclose(ns["per_point"], looped)


def test_per_sample_gradients_versus_their_sum():
    out = snippet_output("jacobians-and-torch-func/per_sample_grads.py")
    w, xs, ts = 2.0, [1.0, 2.0, 3.0], [1.0, 5.0, 5.0]
    per_sample = [2 * x * (w * x - t) for x, t in zip(xs, ts)]
    assert per_sample == [2.0, -4.0, 6.0]
    assert tensor_values(line_with(out, "vmap(grad(loss)):")) == per_sample
    assert tensor_values(line_with(out, "sum trick:")) == [sum(per_sample)]


def test_vmap_calls_the_function_once():
    calls = 0

    def f(x):
        nonlocal calls
        calls += 1
        return x**2

    vmap(f)(torch.ones(5))
    assert calls == 1
    out = snippet_output("jacobians-and-torch-func/vmap_where.py")
    assert line_with(out, "runs of f for 3 points:") == "runs of f for 3 points: 1"


def test_python_if_inside_vmap_raises():
    with pytest.raises(RuntimeError, match="data-dependent control flow"):
        snippet_namespace("jacobians-and-torch-func/vmap_if.py")
    result = snippet_result("jacobians-and-torch-func/vmap_if.py")
    assert result.error is not None and result.error.type == "RuntimeError"
    assert "data-dependent control flow" in result.error.last_line
    assert ".item()" in result.error.last_line  # the page: "the message also names .item()"


def test_python_if_under_grad_alone_works_at_one_point():
    def f(x):
        if x > 0:
            return x**2
        return -x

    # f' = 2x for x > 0, -1 otherwise; both branches work without vmap
    assert grad(f)(torch.tensor(2.0)).item() == 2 * 2.0
    assert grad(f)(torch.tensor(-1.0)).item() == -1.0
    result = snippet_result("jacobians-and-torch-func/vmap_if.py")
    assert tensor_values(line_with(result.stdout, "grad(f) at 2:")) == [2 * 2.0]


def test_item_inside_vmap_raises():
    with pytest.raises(RuntimeError, match=r"\.item\(\)"):
        vmap(lambda x: x * x.item())(torch.ones(3))


def test_where_inside_vmap_gives_the_piecewise_derivative():
    out = snippet_output("jacobians-and-torch-func/vmap_where.py")
    # f = x**2 for x > 0, -x otherwise: f' = 2x or -1
    expected = [2 * x if x > 0 else -1.0 for x in [-1.0, 2.0, 3.0]]
    assert tensor_values(line_with(out, "f'(xs):")) == expected


def test_softmax_sums_to_one_and_the_sum_trick_gives_zero():
    out = snippet_output("jacobians-and-torch-func/softmax_sum_trick.py")
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    s = torch.exp(x) / torch.exp(x).sum()
    assert tensor_values(line_with(out, "softmax:")) == approx_list(s.tolist())
    assert tensor_values(line_with(out, "sum of softmax:")) == approx_list([1.0])
    assert tensor_values(line_with(out, "sum trick:")) == approx_list([0.0, 0.0, 0.0], abs=1e-6)


def test_jacrev_and_jacfwd_give_the_softmax_jacobian():
    out = snippet_output("jacobians-and-torch-func/softmax_jacobian.py")
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    J = softmax_jacobian(x)
    shown = out.split("jacrev(softmax):")[1].split("jacfwd agrees:")[0]
    assert tensor_values(shown) == approx_list(J.flatten().tolist(), abs=6e-5)
    assert line_with(out, "jacfwd agrees:") == "jacfwd agrees: True"
    assert tensor_values(line_with(out, "column sums:")) == [0.0, 0.0, 0.0]
    ns = snippet_namespace("jacobians-and-torch-func/softmax_jacobian.py")
    assert torch.allclose(ns["J"], J) and torch.allclose(ns["J_fwd"], J)
    # the signs described on the page
    assert (torch.diag(J) > 0).all()
    assert (J[~torch.eye(3, dtype=torch.bool)] < 0).all()


def test_sum_trick_is_the_column_sums_of_the_jacobian():
    x = X.clone().requires_grad_()
    (A @ x**2).sum().backward()
    assert torch.allclose(x.grad, ax2_jacobian(A, X).sum(dim=0))


def test_vjp_gives_a_row_of_j():
    out = snippet_output("jacobians-and-torch-func/vjp.py")
    J = ax2_jacobian(A, X)
    assert J.tolist() == [[2.0, 8.0, 0.0], [0.0, 4.0, 18.0]]  # the matrix on the page
    assert tensor_values(line_with(out, "f(x):")) == (A @ X**2).tolist() == [9.0, 31.0]
    v = torch.tensor([1.0, 0.0])
    assert tensor_values(line_with(out, "v^T J for v = [1, 0]:")) == (v @ J).tolist()


def test_jvp_gives_a_column_of_j():
    out = snippet_output("jacobians-and-torch-func/jvp.py")
    J = ax2_jacobian(A, X)
    u = torch.tensor([1.0, 0.0, 0.0])
    assert tensor_values(line_with(out, "f(x):")) == (A @ X**2).tolist()
    assert tensor_values(line_with(out, "J u for u = [1, 0, 0]:")) == (J @ u).tolist()


def test_reverse_needs_m_backward_passes_forward_needs_n_passes():
    out = snippet_output("jacobians-and-torch-func/rows_and_columns.py")
    m, n = A.shape
    assert line_with(out, "reverse:") == f"reverse: runs of f: 1 | vjps: {m}"
    assert line_with(out, "forward:") == f"forward: runs of f: {n} | jvps: {n}"
    assert line_with(out, "same J:") == "same J: True"
    J = ax2_jacobian(A, X)
    shown = out.split("J:\n")[1].split("same J:")[0]
    assert tensor_values(shown) == J.flatten().tolist()
    ns = snippet_namespace("jacobians-and-torch-func/rows_and_columns.py")
    assert torch.equal(ns["J_rows"], J) and torch.equal(ns["J_cols"], J)


def test_jacrev_and_jacfwd_match_rows_and_columns():
    ns = snippet_namespace("jacobians-and-torch-func/rows_and_columns.py")
    f = ns["f"]
    assert torch.equal(torch.func.jacrev(f)(X), ns["J_rows"])
    assert torch.equal(torch.func.jacfwd(f)(X), ns["J_cols"])


def test_one_output_reverse_one_pass_forward_n_passes():
    out = snippet_output("jacobians-and-torch-func/one_output.py")
    assert line_with(out, "reverse:") == "reverse: runs of f: 1 | vjps: 1"
    assert line_with(out, "forward:") == "forward: runs of f: 1000 | jvps: 1000"
    assert line_with(out, "same gradient:") == "same gradient: True"
    ns = snippet_namespace("jacobians-and-torch-func/one_output.py")
    x = torch.linspace(-1, 1, 1000)
    assert torch.allclose(ns["g_rev"], 2 * x) and torch.allclose(ns["g_fwd"], 2 * x)


def test_vmap_over_vjp_and_jvp_build_j_with_one_run_of_f():
    out = snippet_output("jacobians-and-torch-func/batched_jacobians.py")
    assert line_with(out, "vmap over vjp: runs of f:") == "vmap over vjp: runs of f: 1"
    assert line_with(out, "vmap over jvp: runs of f:") == "vmap over jvp: runs of f: 1"
    assert line_with(out, "same J:") == "same J: True"
    ns = snippet_namespace("jacobians-and-torch-func/batched_jacobians.py")
    J = ax2_jacobian(A, X)
    for name in ("J_rev", "J_fwd", "J_r", "J_f"):
        assert torch.equal(ns[name], J), name


def test_vmap_hands_vjp_fn_all_rows_in_one_call():
    m, n = A.shape
    _, vjp_fn = vjp(lambda x: A @ x**2, X)
    calls = 0

    def row(v):
        nonlocal calls
        calls += 1
        return vjp_fn(v)[0]

    rows = vmap(row)(torch.eye(m))
    assert calls == 1 and rows.shape == (m, n)
    assert torch.equal(rows, ax2_jacobian(A, X))


def test_jacrev_and_jacfwd_run_f_once():
    out = snippet_output("jacobians-and-torch-func/batched_jacobians.py")
    assert line_with(out, "jacrev: runs of f:") == "jacrev: runs of f: 1"
    assert line_with(out, "jacfwd: runs of f:") == "jacfwd: runs of f: 1"
    calls = 0

    def f(x):
        nonlocal calls
        calls += 1
        return A @ x**2

    # independently of the snippet: one run of f, however many rows or columns
    for transform in (jacrev, jacfwd):
        calls = 0
        assert torch.equal(transform(f)(X), ax2_jacobian(A, X))
        assert calls == 1, transform.__name__
    # and the by-hand forward route, with jvp under vmap
    calls = 0
    cols = vmap(lambda u: jvp(f, (X,), (u,))[1], out_dims=1)(torch.eye(3))
    assert calls == 1 and torch.equal(cols, ax2_jacobian(A, X))
