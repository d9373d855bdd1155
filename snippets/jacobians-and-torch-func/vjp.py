import torch
from torch.func import vjp

A = torch.tensor([[1.0, 2.0, 0.0],
                  [0.0, 1.0, 3.0]])


# 3 inputs, 2 outputs
def f(x):
    return A @ x**2


x = torch.tensor([1.0, 2.0, 3.0])

# f(x), and a function that takes v
y, vjp_fn = vjp(f, x)
print("f(x):", y)

v = torch.tensor([1.0, 0.0])
(vJ,) = vjp_fn(v)
print("v^T J for v = [1, 0]:", vJ)
