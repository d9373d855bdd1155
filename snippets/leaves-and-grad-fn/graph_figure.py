import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Patch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1

# Walk the real graph from y.grad_fn, keeping
# every edge and each node's level: its longest
# distance from y, so arrows always point down.
level, edges = {}, []


def walk(node, depth):
    old = level.get(node, 0)
    level[node] = max(old, depth)
    for child, _ in node.next_functions:
        # None: an input with no gradient
        if child is None:
            continue
        if (node, child) not in edges:
            edges.append((node, child))
        walk(child, depth + 1)


walk(y.grad_fn, 0)
is_leaf = {}
labels = {}
for n in level:
    is_leaf[n] = hasattr(n, "variable")
    if is_leaf[n]:
        labels[n] = "AccumulateGrad (x)"
    else:
        labels[n] = n.name()

# One row per level, y's node at the top.
position = {}
for depth in sorted(set(level.values())):
    row = [n for n in level
           if level[n] == depth]
    for i, n in enumerate(row):
        px = (i + 1) / (len(row) + 1)
        position[n] = (px, -depth)

# colours: operation, leaf
fill = {False: "#d6e6fb", True: "#c8f0d4"}
edge = "#3b5b92"
fig, ax = plt.subplots(figsize=(6.4, 4.4))
arrow = dict(arrowstyle="-|>", lw=1.6,
             color="#4a6fa5",
             shrinkA=13, shrinkB=13)
for parent, child in edges:
    ax.annotate("", xy=position[child],
                xytext=position[parent],
                arrowprops=arrow)
for n, (px, py) in position.items():
    box = dict(boxstyle="round,pad=0.5",
               facecolor=fill[is_leaf[n]],
               edgecolor=edge)
    ax.text(px, py, labels[n], ha="center",
            va="center", color="black",
            fontsize=11, bbox=box)
keys = {False: "backward of one operation",
        True: "leaf: adds into x.grad"}
handles = [Patch(facecolor=fill[k],
                 edgecolor=edge, label=keys[k])
           for k in keys]
ax.legend(handles=handles, loc="lower center",
          ncols=2)
ax.set_xlim(0, 1)
ax.set_ylim(-max(level.values()) - 1.1, 0.4)
ax.set_title("Backward graph of"
             " y = x**2 + 2*x + 1"
             " (gradients flow down)")
ax.axis("off")
plt.show()
