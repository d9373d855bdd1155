import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1


def show(node, depth=0):
    """Print a node, then (indented) the nodes it sends gradients to."""
    if node is None:  # an input that needs no gradient, like the constant 1
        return
    is_leaf = hasattr(node, "variable")  # AccumulateGrad holds its leaf
    print("    " * depth + ("AccumulateGrad (x)" if is_leaf else node.name()))
    for next_node, _ in node.next_functions:
        show(next_node, depth + 1)


show(y.grad_fn)
