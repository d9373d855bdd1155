"""snippets/leaves-and-grad-fn/: what leaves and non-leaves hold, the not-a-leaf trap, the graph drawn from
grad_fn, adding inside one backward() and accumulating across calls.

Every expected value is worked out here (calculus, finite differences) or redone here with autograd, never
copied from a snippet's output.
"""

import inspect

import pytest
import torch
from helpers import central_difference, line_with, snippet_namespace, snippet_output, snippet_result, tensor_values


def square(x):
    return x**2


def d_square(x):
    return 2 * x


def quadratic(x):  # y = x**2 + 2x + 1, the graph of this page
    return x**2 + 2 * x + 1


def test_attributes_of_leaf_and_non_leaf():
    out = snippet_output("leaves-and-grad-fn/attributes.py")
    x = 2.0
    assert tensor_values(line_with(out, "x.data:")) == [x]
    assert line_with(out, "x.grad_fn:") == "x.grad_fn: None"
    assert tensor_values(line_with(out, "x.grad:")) == [d_square(x)]
    assert line_with(out, "x.is_leaf:") == "x.is_leaf: True"
    assert line_with(out, "x.requires_grad:") == "x.requires_grad: True"
    assert tensor_values(line_with(out, "y.data:")) == [square(x)]
    assert line_with(out, "y.grad_fn.name():") == "y.grad_fn.name(): PowBackward0"
    assert line_with(out, "y.is_leaf:") == "y.is_leaf: False"
    assert line_with(out, "y.requires_grad:") == "y.requires_grad: True"


def test_leaf_means_no_grad_fn_even_without_requires_grad():
    out = snippet_output("leaves-and-grad-fn/which_are_leaves.py")
    assert line_with(out, "x:") == "x: grad_fn=None, is_leaf=True"
    assert line_with(out, "y:") == "y: grad_fn=PowBackward0, is_leaf=False"
    assert line_with(out, "c:") == "c: grad_fn=None, is_leaf=True"
    assert line_with(out, "d:") == "d: grad_fn=None, is_leaf=True"
    # Independently: is_leaf is exactly "grad_fn is None", and requires_grad=False tensors are leaves.
    ns = snippet_namespace("leaves-and-grad-fn/which_are_leaves.py")
    for name in "xycd":
        t = ns[name]
        assert t.is_leaf == (t.grad_fn is None)
    assert not ns["c"].requires_grad and not ns["d"].requires_grad
    c = torch.tensor(3.0)
    assert (c * 2).is_leaf and (c * 2).grad_fn is None


def test_non_leaf_grad_is_none_with_a_warning():
    out = snippet_output("leaves-and-grad-fn/non_leaf_grad.py")
    assert tensor_values(line_with(out, "x.grad (a leaf):")) == [d_square(2.0)]
    assert line_with(out, "y.grad (not a leaf):") == "y.grad (not a leaf): None"
    with pytest.warns(UserWarning, match="not a leaf Tensor") as caught:
        snippet_namespace("leaves-and-grad-fn/non_leaf_grad.py")
    assert any("retain_grad()" in str(w.message) for w in caught)  # the warning names the way out


def test_retain_grad_keeps_the_intermediate_gradient():
    out = snippet_output("leaves-and-grad-fn/retain_grad.py")
    x = 2.0

    def z(x):  # z = 3y with y = x**2
        return 3 * x**2

    assert tensor_values(line_with(out, "dz/dy, kept in y.grad:")) == [3.0]  # d(3y)/dy
    printed = tensor_values(line_with(out, "dz/dx, in x.grad:"))
    assert printed == [6 * x]
    assert printed[0] == pytest.approx(central_difference(z, x), rel=1e-5)


def _seeded_weight():
    """The weight both snippets draw: the first torch.randn(()) after seed 0, times 0.01."""
    generator = torch.Generator().manual_seed(0)
    return torch.randn((), generator=generator) * 0.01


def test_scaled_randn_is_not_a_leaf_and_its_grad_stays_none():
    out = snippet_output("leaves-and-grad-fn/not_a_leaf.py")
    expected = _seeded_weight()
    assert tensor_values(line_with(out, "w:")) == [round(expected.item(), 4)]
    assert line_with(out, "w.is_leaf:") == "w.is_leaf: False"
    assert line_with(out, "w.grad_fn.name():") == "w.grad_fn.name(): MulBackward0"
    assert line_with(out, "w.grad:") == "w.grad: None"
    assert line_with(out, "v.is_leaf:") == "v.is_leaf: False"
    assert line_with(out, "v.grad_fn.name():") == "v.grad_fn.name(): ToCopyBackward0"
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        ns = snippet_namespace("leaves-and-grad-fn/not_a_leaf.py")
    assert torch.equal(ns["w"].detach(), expected)
    # Independently: the same operations done here give a non-leaf whose .grad stays None.
    raw = torch.randn((), requires_grad=True)
    assert raw.is_leaf  # what randn returns is a leaf; the multiplication's result is not
    w = raw * 0.01
    v = torch.tensor(2.0, requires_grad=True).to(torch.float64)
    assert not w.is_leaf and w.grad_fn is not None
    assert not v.is_leaf and v.grad_fn is not None
    (w**2).backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert w.grad is None


def test_requires_grad_after_the_operations_gives_a_leaf():
    out = snippet_output("leaves-and-grad-fn/leaf_fix.py")
    expected = _seeded_weight()
    assert tensor_values(line_with(out, "w:")) == [round(expected.item(), 4)]
    assert line_with(out, "w.is_leaf:") == "w.is_leaf: True"
    assert line_with(out, "w.grad_fn:") == "w.grad_fn: None"
    assert tensor_values(line_with(out, "w.grad:")) == [round(d_square(expected.item()), 4)]
    assert line_with(out, "v.is_leaf:") == "v.is_leaf: True"
    ns = snippet_namespace("leaves-and-grad-fn/leaf_fix.py")
    assert torch.equal(ns["w"].detach(), expected)
    assert ns["w"].is_leaf and ns["w"].requires_grad
    assert torch.equal(ns["w"].grad, d_square(expected))  # d(w**2)/dw = 2w
    assert ns["v"].dtype == torch.float64 and ns["v"].is_leaf
    # Independently: requires_grad_() switches tracking on for the very tensor it is called on.
    t = torch.randn(()) * 0.01
    assert not t.requires_grad and t.is_leaf
    assert t.requires_grad_() is t and t.requires_grad and t.is_leaf and t.grad_fn is None


def test_graph_walk_prints_the_real_graph():
    assert snippet_output("leaves-and-grad-fn/graph_walk.py").splitlines() == [
        "AddBackward0",  # ... + 1
        "    AddBackward0",  # x**2 + 2*x
        "        PowBackward0",  # x**2
        "            AccumulateGrad (x)",
        "        MulBackward0",  # 2*x
        "            AccumulateGrad (x)",
    ]


def test_both_paths_reach_one_accumulate_grad_object():
    out = snippet_output("leaves-and-grad-fn/same_node.py")
    assert line_with(out, "pow_node:") == "pow_node: PowBackward0"
    assert line_with(out, "mul_node:") == "mul_node: MulBackward0"
    assert line_with(out, "type of a:") == "type of a: AccumulateGrad"
    assert line_with(out, "a is b:") == "a is b: True"
    assert line_with(out, "a.variable is x:") == "a.variable is x: True"
    ns = snippet_namespace("leaves-and-grad-fn/same_node.py")
    assert ns["a"] is ns["b"] and ns["a"].variable is ns["x"]
    # Independently: collect every AccumulateGrad reachable from y.grad_fn here; there is one.
    x = torch.tensor(2.0, requires_grad=True)
    y = quadratic(x)
    found, stack = [], [y.grad_fn]
    while stack:
        node = stack.pop()
        if hasattr(node, "variable"):
            found.append(node)
        stack.extend(child for child, _ in node.next_functions if child is not None)
    assert len(found) == 2  # reached along two paths ...
    assert found[0] is found[1] and found[0].variable is x  # ... one object, holding x


def test_next_functions_are_pairs_with_none_for_constants():
    # The page: each entry is (node, input_number), and the node is None for the constants 2 and 1.
    x = torch.tensor(2.0, requires_grad=True)
    y = quadratic(x)
    top = y.grad_fn
    assert all(len(entry) == 2 and isinstance(entry[1], int) for entry in top.next_functions)
    assert top.next_functions[1][0] is None  # the "+ 1"
    mul = top.next_functions[0][0].next_functions[1][0]
    assert mul.name() == "MulBackward0" and mul.next_functions[1][0] is None  # the 2 in 2 * x


def test_graph_figure_is_drawn_from_grad_fn():
    ns = snippet_namespace("leaves-and-grad-fn/graph_figure.py")
    labels = ns["labels"]
    edges = [(labels[parent], labels[child]) for parent, child in ns["edges"]]
    assert edges == [
        ("AddBackward0", "AddBackward0"),
        ("AddBackward0", "PowBackward0"),
        ("PowBackward0", "AccumulateGrad (x)"),
        ("AddBackward0", "MulBackward0"),
        ("MulBackward0", "AccumulateGrad (x)"),
    ]
    # x's AccumulateGrad is one node reached twice, and it really holds x.
    leaves = [node for node, leaf in ns["is_leaf"].items() if leaf]
    assert len(leaves) == 1 and leaves[0].variable is ns["x"]
    assert ns["level"][leaves[0]] == 3
    ax = ns["ax"]
    boxes = [text.get_text() for text in ax.texts if text.get_text()]  # arrows are empty annotations
    assert sorted(boxes) == sorted(labels.values())
    assert ax.get_title() and ax.get_legend() is not None


def test_each_node_multiplies_what_it_gets_by_its_own_derivative():
    out = snippet_output("leaves-and-grad-fn/one_pass_hooks.py")
    x = 2.0
    dy_dy = 1.0  # where backward() starts; the two additions pass it on unchanged
    # received * derivative of the node's own operation: d(2x)/dx = 2, d(x**2)/dx = 2x
    assert tensor_values(line_with(out, "MulBackward0 got")) == [dy_dy, dy_dy * 2]
    assert tensor_values(line_with(out, "PowBackward0 got")) == [dy_dy, dy_dy * d_square(x)]
    # Independently: the gradient arriving at x**2 and at 2*x, asked of autograd directly, is 1.
    t = torch.tensor(x, requires_grad=True)
    square_term, linear_term = t**2, 2 * t
    grads = torch.autograd.grad(square_term + linear_term + 1, (square_term, linear_term))
    assert [g.item() for g in grads] == [dy_dy, dy_dy]


def test_one_backward_adds_the_shares_before_x_receives_them():
    out = snippet_output("leaves-and-grad-fn/one_pass_hooks.py")
    x = 2.0
    # d(x**2)/dx = 2x, d(2x)/dx = 2: the node that ran first comes first, then their sum reaches x, once.
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["MulBackward0", "PowBackward0", "arrives", "x.grad:"]
    assert tensor_values(line_with(out, "arrives at x:")) == [d_square(x) + 2]
    assert tensor_values(line_with(out, "x.grad:")) == [d_square(x) + 2]
    assert d_square(x) + 2 == pytest.approx(central_difference(quadratic, x), rel=1e-5)
    # Independently: a hook on a leaf used twice is called once per backward(), with the sum ...
    t = torch.tensor(x, requires_grad=True)
    arrived = []
    t.register_hook(lambda grad: arrived.append(grad.item()))
    y = quadratic(t)
    # ... and x's AccumulateGrad node runs once, with the same sum.
    accumulate = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert accumulate.variable is t
    accumulate_calls = []
    accumulate.register_hook(lambda sent, received: accumulate_calls.append(received[0].item()))
    y.backward()
    assert arrived == [6.0]
    assert accumulate_calls == [6.0]


def test_gradients_accumulate_across_calls():
    out = snippet_output("leaves-and-grad-fn/accumulate.py")
    x = 2.0
    assert tensor_values(line_with(out, "x.grad after call 1:")) == [d_square(x)]
    assert tensor_values(line_with(out, "x.grad after call 2:")) == [2 * d_square(x)]
    # Independently: the second call adds into the very tensor .grad already held.
    t = torch.tensor(x, requires_grad=True)
    (t**2).backward()
    first = t.grad
    (t**2).backward()
    assert t.grad is first and first.item() == 2 * d_square(x)


def test_backward_twice_on_one_graph_raises():
    result = snippet_result("leaves-and-grad-fn/backward_twice.py")
    assert result.error is not None and result.error.type == "RuntimeError"
    assert "second time" in result.error.message
    assert tensor_values(line_with(result.stdout, "x.grad after the first call:")) == [d_square(2.0)]
    # Independently: the same two calls here, and PowBackward0 really saved x for its 2x.
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    assert torch.equal(y.grad_fn._saved_self, x.detach())
    y.backward()
    with pytest.raises(RuntimeError, match="already been freed"):
        y.grad_fn._saved_self  # the first backward() freed it
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    # A new y is a new graph with fresh saved values: backward() works again.
    y = x**2
    y.backward()
    assert x.grad.item() == 2 * d_square(2.0)


def test_retain_graph_allows_a_second_pass_that_adds():
    out = snippet_output("leaves-and-grad-fn/retain_graph.py")
    x = 2.0
    assert tensor_values(line_with(out, "x.grad after pass 1:")) == [d_square(x)]
    assert tensor_values(line_with(out, "x.grad after pass 2:")) == [2 * d_square(x)]
    # Independently: with retain_graph=True the saved value survives the first pass.
    t = torch.tensor(x, requires_grad=True)
    y = t**2
    y.backward(retain_graph=True)
    assert torch.equal(y.grad_fn._saved_self, t.detach())


def test_two_losses_accumulate_to_the_gradient_of_their_sum():
    out = snippet_output("leaves-and-grad-fn/two_losses.py")
    x = 2.0
    printed = tensor_values(line_with(out, "x.grad after both:"))
    assert printed == [2 * x + 3]  # d/dx (x**2 + 3x)
    # Second autograd route: one backward() through the summed loss.
    t = torch.tensor(x, requires_grad=True)
    (grad,) = torch.autograd.grad(t**2 + 3 * t, t)
    assert printed == [grad.item()]


def test_three_ways_to_reset_grad():
    out = snippet_output("leaves-and-grad-fn/reset.py")
    x = 2.0
    assert tensor_values(line_with(out, "two calls, no reset:")) == [2 * d_square(x)]
    assert tensor_values(line_with(out, "after x.grad.zero_():")) == [0.0]
    assert tensor_values(line_with(out, "next call, after zero_():")) == [d_square(x)]
    assert line_with(out, "after x.grad = None:") == "after x.grad = None: None"
    assert tensor_values(line_with(out, "next call, after None:")) == [d_square(x)]
    assert line_with(out, "after opt.zero_grad():") == "after opt.zero_grad(): None"


def test_zero_fills_with_zeros_and_none_lets_backward_store_a_fresh_gradient():
    t = torch.tensor(2.0, requires_grad=True)
    (t**2).backward()
    kept = t.grad
    t.grad.zero_()
    assert t.grad is kept and t.grad.item() == 0.0  # the same tensor, filled with zeros
    t.grad = None
    (t**2).backward()
    assert t.grad is not kept and t.grad.item() == d_square(2.0)  # a new tensor, not an addition


def test_optimizer_zero_grad_sets_grads_to_none():
    # set_to_none defaults to True, in the signature and in behaviour.
    default = inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default
    assert default is True
    x = torch.tensor(2.0, requires_grad=True)
    opt = torch.optim.SGD([x], lr=0.1)
    (x**2).backward()
    opt.zero_grad()
    assert x.grad is None


def test_snippet_lines_fit_a_phone():
    from helpers import snippet_path

    folder = snippet_path("leaves-and-grad-fn/attributes.py").parent
    for path in sorted(folder.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert len(line) <= 48, f"{path.name}:{number} has {len(line)} characters"


# ---- watch_backward.py: the record behind the "Watch backward run" widget ------------------------

from widget_records import parse_backward, runs_after_its_senders, walk, watch_with_prehooks  # noqa: E402

WATCH = "leaves-and-grad-fn/watch_backward.py"


def _z_graph(x=2.0, w=3.0):
    """z = 3(x**2 + x*w), built here, with its leaves."""
    x = torch.tensor(x, requires_grad=True)
    w = torch.tensor(w, requires_grad=True)
    return 3 * (x**2 + x * w), {"x": x, "w": w}


def _label(node, leaves):
    for name, leaf in leaves.items():
        if getattr(node, "variable", None) is leaf:
            return f"AccumulateGrad ({name})"
    return node.name()


def test_watch_backward_graph_is_the_graph_of_z():
    record = parse_backward(snippet_output(WATCH))
    # By hand: the last operation is the multiplication by 3 (whose constant gets no gradient), then
    # the sum, whose terms are x**2 and x*w; both reach x's one AccumulateGrad, x*w also reaches w's.
    assert [(n.id, n.name, n.next) for n in record.nodes] == [
        ("n1", "MulBackward0", ["n2", "-"]),
        ("n2", "AddBackward0", ["n3", "n4"]),
        ("n3", "PowBackward0", ["n5"]),
        ("n4", "MulBackward0", ["n5", "n6"]),
        ("n5", "AccumulateGrad (x)", []),
        ("n6", "AccumulateGrad (w)", []),
    ]
    # And the same as a walk of a graph built here.
    z, leaves = _z_graph()
    assert [n.name for n in record.nodes] == [_label(node, leaves) for node in walk(z)]


def test_watch_backward_steps_follow_the_chain_rule():
    record = parse_backward(snippet_output(WATCH))
    x, w = 2.0, 3.0
    # Worked by hand, node by node: (gradient received, gradients sent on in next_functions order).
    expected = {
        "n1": ([1.0], [3.0, None]),  # d(3s)/ds = 3; the constant 3 gets nothing
        "n2": ([3.0], [3.0, 3.0]),  # a sum passes its gradient to both terms
        "n3": ([3.0], [3.0 * 2 * x]),  # d(x**2)/dx = 2x
        "n4": ([3.0], [3.0 * w, 3.0 * x]),  # d(xw)/dx = w, d(xw)/dw = x
        "n5": ([3.0 * 2 * x + 3.0 * w], []),  # x's two shares, added: 3(2x + w)
        "n6": ([3.0 * x], []),
    }
    assert sorted(step.node for step in record.steps) == sorted(expected)  # each node ran once
    for step in record.steps:
        assert (step.received, step.sent) == expected[step.node], step
        assert step.name == record.node(step.node).name
        # one gradient sent per entry of next_functions (AccumulateGrad has none and sends none)
        assert len(step.sent) == len(record.node(step.node).next)
    # A node receives the sum of what its senders sent it.
    for node in record.nodes:
        shares = [record.step_of(sender.id).sent[slot] for sender in record.nodes for slot, to in enumerate(sender.next) if to == node.id]
        if shares:
            assert record.step_of(node.id).received == [sum(shares)]
    # The leaves: .grad filled by their AccumulateGrad step, and the final values.
    assert record.step_of("n5").leaf == ("x", 3 * (2 * x + w))
    assert record.step_of("n6").leaf == ("w", 3 * x)
    out = snippet_output(WATCH)
    assert tensor_values(line_with(out, "x.grad:")) == [3 * (2 * x + w)]
    assert tensor_values(line_with(out, "w.grad:")) == [3 * x]
    assert 3 * (2 * x + w) == pytest.approx(central_difference(lambda t: 3 * (t**2 + t * w), x), rel=1e-5)
    assert 3 * x == pytest.approx(central_difference(lambda t: 3 * (x**2 + x * t), w), rel=1e-5)


def test_watch_backward_order_is_the_engines_order():
    record = parse_backward(snippet_output(WATCH))
    assert [step.number for step in record.steps] == list(range(1, len(record.nodes) + 1))
    # Every node runs after every node that sends to it (the only order the chain rule allows) ...
    assert runs_after_its_senders([step.node for step in record.steps], record.edges())
    # ... and the recorded order is the one pre-hooks see on a graph built here.
    z, leaves = _z_graph()
    nodes, _, ran = watch_with_prehooks(z)
    assert [step.name for step in record.steps] == [_label(nodes[i], leaves) for i in ran]
    # The page: of the two ready nodes, this PyTorch ran MulBackward0 (n4) before PowBackward0 (n3).
    position = {step.node: i for i, step in enumerate(record.steps)}
    assert position["n4"] < position["n3"]


def test_a_node_runs_only_after_every_node_that_sends_to_it():
    """The page: "AccumulateGrad (x) runs once ... only after both PowBackward0 and MulBackward0"."""
    record = parse_backward(snippet_output(WATCH))
    position = {step.node: i for i, step in enumerate(record.steps)}
    assert position["n5"] > position["n3"] and position["n5"] > position["n4"]
    # And on a larger graph where leaves are used several times, built here.
    x = torch.tensor(0.5, requires_grad=True)
    w = torch.tensor(-1.5, requires_grad=True)
    a = x * w
    out = (a.sin() * a + x**3 + (w * x).exp() * a).sum()
    nodes, edges, ran = watch_with_prehooks(out)
    assert sorted(ran) == list(range(len(nodes)))
    assert runs_after_its_senders(ran, edges)
