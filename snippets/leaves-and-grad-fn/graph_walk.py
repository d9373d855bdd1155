import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1


def show(node, depth=0):
    # None: an input that needs no gradient,
    # like the constant 1
    if node is None:
        return
    # AccumulateGrad holds its leaf in .variable
    if hasattr(node, "variable"):
        name = "AccumulateGrad (x)"
    else:
        name = node.name()
    print("    " * depth + name)
    # then, indented, the nodes it sends to
    for next_node, _ in node.next_functions:
        show(next_node, depth + 1)


show(y.grad_fn)
