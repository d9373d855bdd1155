import torch
from torch.func import grad, vmap


def f(x):
    return x * torch.sin(x)


xs = torch.linspace(-2, 2, 5)

# vmap applies grad(f) to each element of xs
per_point = vmap(grad(f))(xs)
print("vmap(grad(f)):", per_point)

# The sum trick agrees: f is elementwise
x = xs.clone().requires_grad_()
f(x).sum().backward()
print("sum trick:    ", x.grad)
