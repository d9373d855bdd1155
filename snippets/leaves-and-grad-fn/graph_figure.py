import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Patch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1

# Walk the real graph from y.grad_fn, recording every edge and each node's
# level: its longest distance from y, so that arrows always point down.
level, edges = {}, []


def walk(node, depth):
    level[node] = max(level.get(node, 0), depth)
    for child, _ in node.next_functions:
        if child is None:  # an input that needs no gradient (the constants)
            continue
        if (node, child) not in edges:
            edges.append((node, child))
        walk(child, depth + 1)


walk(y.grad_fn, 0)
is_leaf = {node: hasattr(node, "variable") for node in level}
labels = {n: "AccumulateGrad (x)" if is_leaf[n] else n.name() for n in level}

# One row per level, y's node at the top, each row spread evenly.
position = {}
for depth in sorted(set(level.values())):
    row = [node for node in level if level[node] == depth]
    for i, node in enumerate(row):
        position[node] = ((i + 1) / (len(row) + 1), -depth)

fill = {False: "#d6e6fb", True: "#c8f0d4"}  # operation, leaf
edge = "#3b5b92"
fig, ax = plt.subplots(figsize=(6.4, 4.4))
for parent, child in edges:
    ax.annotate("", xy=position[child], xytext=position[parent],
                arrowprops=dict(arrowstyle="-|>", color="#4a6fa5", lw=1.6,
                                shrinkA=13, shrinkB=13))
for node, (px, py) in position.items():
    box = dict(boxstyle="round,pad=0.5", facecolor=fill[is_leaf[node]],
               edgecolor=edge)
    ax.text(px, py, labels[node], ha="center", va="center", color="black",
            fontsize=11, bbox=box)
keys = {False: "backward of one operation", True: "leaf: adds into x.grad"}
ax.legend(handles=[Patch(facecolor=fill[k], edgecolor=edge, label=keys[k])
                   for k in keys], loc="lower center", ncols=2)
ax.set_xlim(0, 1)
ax.set_ylim(-max(level.values()) - 1.1, 0.4)
ax.set_title("Backward graph of y = x**2 + 2*x + 1 (gradients flow down)")
ax.axis("off")
plt.show()
