import torch

x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(3.0, requires_grad=True)
# x is used twice: in x**2 and in x * w
z = 3 * (x**2 + x * w)
leaves = {"x": x, "w": w}


def leaf_name(node):
    # AccumulateGrad holds its leaf in .variable
    leaf = getattr(node, "variable", None)
    for name, tensor in leaves.items():
        if tensor is leaf:
            return name


def label(node):
    name = leaf_name(node)
    if name:
        return f"AccumulateGrad ({name})"
    return node.name()


def numbers(grads):
    # "-": no gradient (constant 3 needs none)
    return " ".join(
        "-" if g is None else f"{g.item():g}"
        for g in grads)


# every node once, from the top: n1, n2, ...
nodes = [z.grad_fn]
for node in nodes:
    for below, _ in node.next_functions:
        # below is None for the constant 3
        if below and below not in nodes:
            nodes.append(below)
ids = {node: f"n{i}" for i, node in
       enumerate(nodes, 1)}

print("graph: node name -> nodes it sends to")
for node in nodes:
    line = f"{ids[node]} {label(node)}"
    sends = [ids.get(b, "-")
             for b, _ in node.next_functions]
    if sends:
        line += " -> " + " ".join(sends)
    print(line)

steps = []


# a node hook runs right after its node, with
# what the node sends on and what it received
def watch(node):
    def hook(sent, received):
        line = f"{ids[node]} {label(node)}: "
        line += numbers(received) + " -> "
        name = leaf_name(node)
        if name:
            # AccumulateGrad just filled .grad
            grad = leaves[name].grad.item()
            line += f"{name}.grad {grad:g}"
        else:
            line += numbers(sent)
        steps.append(line)

    node.register_hook(hook)


for node in nodes:
    watch(node)
z.backward()

print("steps: node: gradient in -> sent on")
for number, line in enumerate(steps, 1):
    print(number, line)
print("x.grad:", x.grad)
print("w.grad:", w.grad)
