"""snippets/higher-order-derivatives/: second and third derivatives and the Hessian against calculus."""

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


def cubic(x):
    return x**3 - 3 * x


def cubic_1(x):
    return 3 * x**2 - 3


def cubic_2(x):
    return 6 * x


def hessian_uv(u, v):
    """f(u, v) = u**3 + v**2 + 4uv: [[6u, 4], [4, 2]]."""
    return torch.tensor([[6 * u, 4.0], [4.0, 2.0]])


def test_without_create_graph_the_derivative_has_no_graph():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        snippet_namespace("higher-order-derivatives/no_create_graph.py")
    # The same steps here: the first derivative is right, but carries no graph.
    x = torch.tensor(2.0, requires_grad=True)
    (d1,) = torch.autograd.grad(cubic(x), x)
    assert d1.item() == cubic_1(2.0)
    assert not d1.requires_grad and d1.grad_fn is None
    # grad returns a tuple, one derivative per input
    result = torch.autograd.grad(cubic(x), x)
    assert isinstance(result, tuple) and len(result) == 1


def test_no_create_graph_fails_like_a_missing_requires_grad():
    # "the same message" as derivatives/no_requires_grad.py, the first lesson's mistake
    ours = snippet_result("higher-order-derivatives/no_create_graph.py").error
    first_lesson = snippet_result("derivatives/no_requires_grad.py").error
    assert ours.type == first_lesson.type == "RuntimeError"
    assert ours.message == first_lesson.message


def test_no_create_graph_prints_before_failing():
    result = snippet_result("higher-order-derivatives/no_create_graph.py")
    assert result.error is not None
    out = result.stdout
    assert tensor_values(line_with(out, "f'(2):")) == [cubic_1(2.0)]
    assert "grad_fn" not in line_with(out, "f'(2):")
    assert line_with(out, "requires_grad:") == "requires_grad: False"


def test_create_graph_gives_the_second_derivative():
    out = snippet_output("higher-order-derivatives/second_derivative.py")
    first = line_with(out, "f'(2):")
    assert tensor_values(first) == [cubic_1(2.0)]
    assert "grad_fn=" in first  # create_graph=True: f' has a history
    second = tensor_values(line_with(out, "f''(2):"))
    assert second == [cubic_2(2.0)]
    assert second[0] == pytest.approx(central_difference(cubic_1, 2.0), rel=1e-6)


def test_last_call_without_create_graph_returns_a_plain_tensor():
    ns = snippet_namespace("higher-order-derivatives/second_derivative.py")
    assert ns["dy_dx"].requires_grad
    assert not ns["d2y_dx2"].requires_grad and ns["d2y_dx2"].grad_fn is None


def test_cubic_plot_arrays_are_f_f1_f2():
    ns = snippet_namespace("higher-order-derivatives/cubic_plot.py")
    x = torch.linspace(-2.5, 2.5, 101)
    assert torch.equal(ns["x"].detach(), x)
    assert torch.allclose(torch.from_numpy(ns["f"]), cubic(x), atol=1e-5)
    assert torch.allclose(torch.from_numpy(ns["f1"]), cubic_1(x), atol=1e-5)
    assert torch.allclose(torch.from_numpy(ns["f2"]), cubic_2(x), atol=1e-5)
    ax = ns["ax"]
    assert len(ax.get_lines()) == 4  # three curves and the zero line
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 3


def test_cubic_plot_features_described_on_the_page():
    # f' = 0 at x = +-1, f'' < 0 at -1 (a peak), > 0 at 1 (a dip), f'' = 0 at 0.
    assert cubic_1(1.0) == 0 and cubic_1(-1.0) == 0
    assert cubic(-1.0) == 2 and cubic(1.0) == -2
    assert cubic_2(-1.0) < 0 < cubic_2(1.0) and cubic_2(0.0) == 0


def test_constant_derivative_has_no_graph_and_third_grad_raises():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        snippet_namespace("higher-order-derivatives/constant_derivative.py")
    result = snippet_result("higher-order-derivatives/constant_derivative.py")
    out = result.stdout
    assert tensor_values(line_with(out, "f'(3):")) == [2 * 3.0]
    assert tensor_values(line_with(out, "f''(3):")) == [2.0]
    assert line_with(out, "requires_grad:") == "requires_grad: False"


def test_x_times_x_has_no_graph_but_x_pow_2_has_one():
    out = snippet_output("higher-order-derivatives/two_ways_to_square.py")
    a = line_with(out, "x * x:")
    b = line_with(out, "x**2:")
    assert tensor_values(a) == [2.0] and a.endswith("requires_grad: False")
    assert tensor_values(b) == [2.0] and b.endswith("requires_grad: True")
    # Independently: the same steps here, for both ways of writing the square.
    for y_of, keeps_graph in [(lambda x: x * x, False), (lambda x: x**2, True)]:
        x = torch.tensor(3.0, requires_grad=True)
        (d1,) = torch.autograd.grad(y_of(x), x, create_graph=True)
        (d2,) = torch.autograd.grad(d1, x, create_graph=True)
        assert d2.item() == 2.0 and d2.requires_grad is keeps_graph
    # Independently: the third derivative through x**2's graph is 0.
    x = torch.tensor(3.0, requires_grad=True)
    (d1,) = torch.autograd.grad(x**2, x, create_graph=True)
    (d2,) = torch.autograd.grad(d1, x, create_graph=True)
    (d3,) = torch.autograd.grad(d2, x)
    assert d3.item() == 0.0


def test_x_times_x_first_derivative_is_a_sum_of_two_products():
    # The page: autograd's f' for x * x is 1*x + x*1, hence AddBackward0 on f'(3).
    x = torch.tensor(3.0, requires_grad=True)
    (d1,) = torch.autograd.grad(x * x, x, create_graph=True)
    assert d1.grad_fn.name() == "AddBackward0"
    assert [n.name() for n, _ in d1.grad_fn.next_functions] == ["MulBackward0"] * 2
    out = snippet_result("higher-order-derivatives/constant_derivative.py").stdout
    assert "grad_fn=<AddBackward0>" in line_with(out, "f'(3):")


def test_no_graph_means_zero_only_after_create_graph():
    # Without create_graph=True, f' of x**3 - 3x has no graph, yet f''(2) = 12, not 0.
    x = torch.tensor(2.0, requires_grad=True)
    (d1,) = torch.autograd.grad(cubic(x), x)
    assert not d1.requires_grad
    assert cubic_2(2.0) == 12 != 0


def test_unused_input_raises():
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        snippet_namespace("higher-order-derivatives/unused_input.py")
    out = snippet_result("higher-order-derivatives/unused_input.py").stdout
    assert tensor_values(line_with(out, "df/du:")) == [4.0]  # df/du = v = 4


def test_allow_unused_gives_none_and_materialize_grads_gives_zero():
    out = snippet_output("higher-order-derivatives/unused_input_fixed.py")
    assert line_with(out, "with allow_unused:") == "with allow_unused: None"
    assert tensor_values(line_with(out, "with materialize_grads:")) == [0.0]
    ns = snippet_namespace("higher-order-derivatives/unused_input_fixed.py")
    assert ns["a"] is None
    assert torch.equal(ns["b"], torch.tensor(0.0))


def test_materialize_grads_does_not_rescue_an_output_without_graph():
    # Why the helper checks requires_grad itself.
    x = torch.tensor(3.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.autograd.grad(torch.tensor(2.0), x, materialize_grads=True)


def test_derivative_helper_treats_running_out_as_zero():
    out = snippet_output("higher-order-derivatives/derivative_or_zero.py")
    # x*x at 3: f' = 2x = 6, f'' = 2, f''' = 0
    assert tensor_values(line_with(out, "x*x: f', f'', f''' at 3:")) == [6.0, 2.0, 0.0]
    # uv at u = 3, v = 4: df/du = v = 4, d2f/du2 = 0
    assert tensor_values(line_with(out, "uv: df/du, d2f/du2:")) == [4.0, 0.0]


def test_hessian_by_hand_is_the_analytic_matrix():
    out = snippet_output("higher-order-derivatives/hessian_by_hand.py")
    H = hessian_uv(3.0, 4.0)
    assert tensor_values(line_with(out, "d2f/du2, d2f/dudv:")) == H[0].tolist()
    assert tensor_values(line_with(out, "d2f/dvdu, d2f/dv2:")) == H[1].tolist()


def test_create_graph_keeps_the_graph_for_the_hessian_rows():
    # "unless you pass retain_graph=True (or create_graph=True)": the second-order calls of
    # hessian_by_hand.py go back through saved values of f's graph, which the first call kept
    # only because create_graph=True implies retain_graph=True.
    def rows(**first_call):
        u = torch.tensor(3.0, requires_grad=True)
        v = torch.tensor(4.0, requires_grad=True)
        f = u**3 + v**2 + 4 * u * v
        df_du, df_dv = torch.autograd.grad(f, (u, v), create_graph=True, **first_call)
        row_u = torch.autograd.grad(df_du, (u, v), retain_graph=True)
        row_v = torch.autograd.grad(df_dv, (u, v))
        return torch.tensor([row_u, row_v])

    assert torch.equal(rows(), hessian_uv(3.0, 4.0))
    with pytest.raises(RuntimeError, match="second time"):
        rows(retain_graph=False)


def test_second_call_needs_retain_graph_when_graphs_are_shared():
    # f = sin(uv) + u**3: df/du and df/dv both go back through the node for uv.
    def first_derivatives():
        u = torch.tensor(3.0, requires_grad=True)
        v = torch.tensor(4.0, requires_grad=True)
        f = torch.sin(u * v) + u**3
        return (u, v), torch.autograd.grad(f, (u, v), create_graph=True)

    (u, v), (df_du, df_dv) = first_derivatives()
    torch.autograd.grad(df_du, (u, v))  # no retain_graph: frees what it passed through
    with pytest.raises(RuntimeError, match="second time"):
        torch.autograd.grad(df_dv, (u, v))

    (u, v), (df_du, df_dv) = first_derivatives()
    torch.autograd.grad(df_du, (u, v), retain_graph=True)
    d2f_dv2 = torch.autograd.grad(df_dv, (u, v))[1]
    assert torch.allclose(d2f_dv2, -(3.0**2) * torch.sin(torch.tensor(12.0)))


def test_hessian_functions_give_the_analytic_symmetric_matrix():
    out = snippet_output("higher-order-derivatives/hessian_functions.py")
    H = hessian_uv(3.0, 4.0)
    after_functional = out.split("torch.autograd.functional.hessian:")[1].split("torch.func.hessian:")[0]
    after_func = out.split("torch.func.hessian:")[1]
    assert tensor_values(after_functional) == H.flatten().tolist()
    assert tensor_values(after_func) == H.flatten().tolist()
    ns = snippet_namespace("higher-order-derivatives/hessian_functions.py")
    assert torch.allclose(ns["H"], H) and torch.allclose(ns["H2"], H)
    assert torch.equal(ns["H"], ns["H"].T)
    # torch.func.hessian(f) is itself a function, called at p
    assert callable(torch.func.hessian(ns["f"]))
