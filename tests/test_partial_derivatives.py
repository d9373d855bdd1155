"""snippets/partial-derivatives/: f(u, v) and both partial derivatives against the formulas."""

import pytest
import torch
from helpers import line_with, partial_differences, snippet_namespace, snippet_output, tensor_values


def f1(u, v):
    return u * v + u**2


def f1_du(u, v):
    return v + 2 * u


def f1_dv(u, v):
    return u


def f2(u, v):
    return u**3 + v**2 + 4 * u * v


def f2_du(u, v):
    return 3 * u**2 + 4 * v


def f2_dv(u, v):
    return 2 * v + 4 * u


def f3(u, v):
    return u * v + (u * v) ** 2


def f3_du(u, v):
    return v + 2 * u * v**2


def f3_dv(u, v):
    return u + 2 * u**2 * v


# snippet, (u, v), f and its two partials, the label of the value line
CASES = [
    ("partial-derivatives/uv_plus_u_squared.py", (1.0, 2.0), f1, f1_du, f1_dv, "f at u = 1, v = 2:"),
    ("partial-derivatives/cubic_uv.py", (3.0, 4.0), f2, f2_du, f2_dv, "f at u = 3, v = 4:"),
    ("partial-derivatives/practice_uv_squared.py", (2.0, 1.0), f3, f3_du, f3_dv, "f at u = 2, v = 1:"),
]


@pytest.mark.parametrize("snippet, point, f, df_du, df_dv, value_label", CASES, ids=[c[0] for c in CASES])
def test_value_and_partials(snippet, point, f, df_du, df_dv, value_label):
    out = snippet_output(snippet)
    assert tensor_values(line_with(out, value_label)) == [f(*point)]
    by_u = tensor_values(line_with(out, "df/du (partial, in u.grad):"))
    by_v = tensor_values(line_with(out, "df/dv (partial, in v.grad):"))
    assert by_u == [df_du(*point)]
    assert by_v == [df_dv(*point)]
    fd_u, fd_v = partial_differences(f, *point)
    assert by_u[0] == pytest.approx(fd_u, rel=1e-5)
    assert by_v[0] == pytest.approx(fd_v, rel=1e-5)


def test_one_backward_fills_the_grad_of_every_input_that_requires_grad():
    # redone here on a third function of three inputs: one backward() call, three partials
    calls = []
    a = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(-2.0, requires_grad=True)
    c = torch.tensor(3.0, requires_grad=True)
    f = a * b * c + b**2
    f.register_hook(lambda grad: calls.append(grad))
    f.backward()
    assert len(calls) == 1
    assert a.grad.item() == (-2.0) * 3.0
    assert b.grad.item() == 0.5 * 3.0 + 2 * (-2.0)
    assert c.grad.item() == 0.5 * (-2.0)


def test_constant_input_and_unused_leaf_keep_grad_none():
    out = snippet_output("partial-derivatives/which_get_grad.py")
    # u.grad: df/du with v = 2 as a constant, the same as in the first example
    assert tensor_values(line_with(out, "u.grad:")) == [f1_du(1.0, 2.0)]
    assert line_with(out, "v.grad:") == "v.grad: None"
    assert line_with(out, "w.grad:") == "w.grad: None"
    ns = snippet_namespace("partial-derivatives/which_get_grad.py")
    assert not ns["v"].requires_grad and ns["w"].requires_grad
    # the graph of f has no node for v (a constant) and leads to no AccumulateGrad for w
    nodes, leaves, constants = [ns["f"].grad_fn], [], 0
    for node in nodes:
        for below, _ in node.next_functions:
            if below is None:
                constants += 1
            elif hasattr(below, "variable"):
                leaves.append(below.variable)
            else:
                nodes.append(below)
    assert constants == 1
    assert any(leaf is ns["u"] for leaf in leaves)
    assert not any(leaf is ns["w"] for leaf in leaves)
    # redone here: no error, a constant input gets no .grad, neither does an unused leaf
    u = torch.tensor(3.0, requires_grad=True)
    v = torch.tensor(4.0)
    w = torch.tensor(1.0, requires_grad=True)
    f2(u, v).backward()
    assert u.grad.item() == f2_du(3.0, 4.0)
    assert v.grad is None and w.grad is None


def test_autograd_grad_returns_the_partials():
    out = snippet_output("partial-derivatives/autograd_grad.py")
    point = (3.0, 4.0)
    assert tensor_values(line_with(out, "df/du:")) == [f2_du(*point)]
    assert tensor_values(line_with(out, "df/dv:")) == [f2_dv(*point)]
    fd_u, fd_v = partial_differences(f2, *point)
    assert tensor_values(line_with(out, "df/du:"))[0] == pytest.approx(fd_u, rel=1e-5)
    assert tensor_values(line_with(out, "df/dv:"))[0] == pytest.approx(fd_v, rel=1e-5)


def test_autograd_grad_returns_a_tuple_one_per_listed_input():
    u = torch.tensor(3.0, requires_grad=True)
    v = torch.tensor(4.0, requires_grad=True)
    both = torch.autograd.grad(f2(u, v), (u, v))
    assert isinstance(both, tuple) and len(both) == 2
    assert [g.item() for g in both] == [f2_du(3.0, 4.0), f2_dv(3.0, 4.0)]
    # only some of the inputs: list just those
    only_v = torch.autograd.grad(f2(u, v), (v,))
    assert isinstance(only_v, tuple) and len(only_v) == 1
    assert only_v[0].item() == f2_dv(3.0, 4.0)
    # the same partials as backward() puts in .grad: a second autograd route
    f2(u, v).backward()
    assert (u.grad.item(), v.grad.item()) == tuple(g.item() for g in both)


def test_autograd_grad_stores_nothing_in_grad():
    out = snippet_output("partial-derivatives/autograd_grad.py")
    assert line_with(out, "u.grad:") == "u.grad: None"
    assert line_with(out, "v.grad:") == "v.grad: None"
    # redone here: a .grad that already holds something is left as it was
    u = torch.tensor(3.0, requires_grad=True)
    v = torch.tensor(4.0, requires_grad=True)
    u.grad = torch.tensor(100.0)
    torch.autograd.grad(f2(u, v), (u, v))
    assert u.grad.item() == 100.0
    assert v.grad is None


# ---- watch_backward.py: the record behind the stepper of "Watch one backward fill both" ------------

from widget_records import parse_backward, runs_after_its_senders, walk, watch_with_prehooks  # noqa: E402

WATCH = "partial-derivatives/watch_backward.py"


def test_watch_backward_fills_both_partials_in_one_pass():
    out = snippet_output(WATCH)
    record = parse_backward(out)
    u, v = 1.0, 2.0
    # By hand: f = uv + u**2. The sum on top; uv reaches u and v, u**2 reaches u again.
    assert [(n.id, n.name, n.next) for n in record.nodes] == [
        ("n1", "AddBackward0", ["n2", "n3"]),
        ("n2", "MulBackward0", ["n4", "n5"]),
        ("n3", "PowBackward0", ["n4"]),
        ("n4", "AccumulateGrad (u)", []),
        ("n5", "AccumulateGrad (v)", []),
    ]
    # The chain rule node by node: (received, sent on in next_functions order).
    expected = {
        "n1": ([1.0], [1.0, 1.0]),  # df/df = 1, passed to both terms of the sum
        "n2": ([1.0], [v, u]),  # d(uv)/du = v, d(uv)/dv = u
        "n3": ([1.0], [2 * u]),  # d(u**2)/du = 2u
        "n4": ([v + 2 * u], []),  # u's two shares, added: df/du
        "n5": ([u], []),  # df/dv
    }
    assert sorted(step.node for step in record.steps) == sorted(expected)
    for step in record.steps:
        assert (step.received, step.sent) == expected[step.node], step
    assert record.step_of("n4").leaf == ("u", v + 2 * u)
    assert record.step_of("n5").leaf == ("v", u)
    du, dv = partial_differences(lambda a, b: a * b + a**2, u, v)
    assert tensor_values(line_with(out, "u.grad:")) == [v + 2 * u] and v + 2 * u == pytest.approx(du, rel=1e-6)
    assert tensor_values(line_with(out, "v.grad:")) == [u] and u == pytest.approx(dv, rel=1e-6)
    # The order: every node after its senders, and the order pre-hooks see on a graph built here.
    assert runs_after_its_senders([step.node for step in record.steps], record.edges())
    tu = torch.tensor(u, requires_grad=True)
    tv = torch.tensor(v, requires_grad=True)
    f = tu * tv + tu**2
    names = {id(tu): "AccumulateGrad (u)", id(tv): "AccumulateGrad (v)"}
    nodes, _, ran = watch_with_prehooks(f)
    label = [names.get(id(getattr(node, "variable", None)), node.name()) for node in nodes]
    assert [n.name for n in record.nodes] == label
    assert [step.name for step in record.steps] == [label[i] for i in ran]
