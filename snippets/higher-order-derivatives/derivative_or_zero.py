import torch


def derivative(y, x):
    # No graph at all: y cannot change with x
    if not y.requires_grad:
        return torch.zeros_like(x)
    # A graph that misses x: zero, not an error
    (dy,) = torch.autograd.grad(
        y, x, create_graph=True,
        materialize_grads=True)
    return dy


x = torch.tensor(3.0, requires_grad=True)
d1 = derivative(x * x, x)
d2 = derivative(d1, x)
d3 = derivative(d2, x)
print("x*x: f', f'', f''' at 3:",
      d1.detach(), d2.detach(), d3.detach())

u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
g1 = derivative(u * v, u)
g2 = derivative(g1, u)
print("uv: df/du, d2f/du2:",
      g1.detach(), g2.detach())
