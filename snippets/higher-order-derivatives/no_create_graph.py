import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**3 - 3 * x

(dy_dx,) = torch.autograd.grad(y, x)
print("f'(2):", dy_dx)
print("requires_grad:", dy_dx.requires_grad)

# Differentiate f' again: it has no history
(d2y_dx2,) = torch.autograd.grad(dy_dx, x)
