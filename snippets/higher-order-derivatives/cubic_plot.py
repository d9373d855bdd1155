import matplotlib.pyplot as plt
import torch

x = torch.linspace(-2.5, 2.5, 101,
                   requires_grad=True)
y = x**3 - 3 * x

# The sum trick, twice: each value depends on
# its own x only, so each point keeps its own
# derivative. The first pass keeps a graph.
(dy,) = torch.autograd.grad(
    y.sum(), x, create_graph=True)
(d2y,) = torch.autograd.grad(dy.sum(), x)

xs = x.detach().numpy()
f = y.detach().numpy()
f1 = dy.detach().numpy()
f2 = d2y.numpy()

fig, ax = plt.subplots()
ax.plot(xs, f, label="f(x) = x**3 - 3x")
ax.plot(xs, f1, "--", label="f'(x)")
ax.plot(xs, f2, ":", label="f''(x)")
ax.axhline(0, color="gray", linewidth=0.5)
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("A cubic, its slope and its bend")
ax.legend()
plt.show()
