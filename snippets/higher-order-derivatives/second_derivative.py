import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**3 - 3 * x

# create_graph=True records how f' is computed
(dy_dx,) = torch.autograd.grad(
    y, x, create_graph=True)
print("f'(2):", dy_dx)

# f' has a graph, so it can go backward too
(d2y_dx2,) = torch.autograd.grad(dy_dx, x)
print("f''(2):", d2y_dx2)
