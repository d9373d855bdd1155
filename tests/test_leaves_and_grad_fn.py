"""snippets/leaves-and-grad-fn/: what leaves and non-leaves hold, accumulation, and the graph drawn from grad_fn."""

import pytest
from helpers import central_difference, line_with, snippet_namespace, snippet_output, tensor_values


def square(x):
    return x**2


def d_square(x):
    return 2 * x


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


def test_non_leaf_grad_is_none_with_a_warning():
    out = snippet_output("leaves-and-grad-fn/non_leaf_grad.py")
    assert tensor_values(line_with(out, "x.grad (a leaf):")) == [d_square(2.0)]
    assert line_with(out, "y.grad (not a leaf):") == "y.grad (not a leaf): None"
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        snippet_namespace("leaves-and-grad-fn/non_leaf_grad.py")


def test_retain_grad_keeps_the_intermediate_gradient():
    out = snippet_output("leaves-and-grad-fn/retain_grad.py")
    x = 2.0

    def z(x):  # z = 3y with y = x**2
        return 3 * x**2

    assert tensor_values(line_with(out, "dz/dy, kept in y.grad:")) == [3.0]  # d(3y)/dy
    printed = tensor_values(line_with(out, "dz/dx, in x.grad:"))
    assert printed == [6 * x]
    assert printed[0] == pytest.approx(central_difference(z, x), rel=1e-5)


def test_gradients_accumulate_until_zeroed():
    out = snippet_output("leaves-and-grad-fn/accumulate.py")
    x = 2.0
    assert tensor_values(line_with(out, "x.grad after backward() call 1:")) == [d_square(x)]
    assert tensor_values(line_with(out, "x.grad after backward() call 2:")) == [2 * d_square(x)]
    assert tensor_values(line_with(out, "x.grad after zero_() and one more call:")) == [d_square(x)]


def test_graph_walk_prints_the_real_graph():
    assert snippet_output("leaves-and-grad-fn/graph_walk.py").splitlines() == [
        "AddBackward0",  # ... + 1
        "    AddBackward0",  # x**2 + 2*x
        "        PowBackward0",  # x**2
        "            AccumulateGrad (x)",
        "        MulBackward0",  # 2*x
        "            AccumulateGrad (x)",
    ]


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
