import torch
from torch.func import jvp

A = torch.tensor([[1.0, 2.0, 0.0],
                  [0.0, 1.0, 3.0]])


# 3 inputs, 2 outputs
def f(x):
    return A @ x**2


x = torch.tensor([1.0, 2.0, 3.0])
u = torch.tensor([1.0, 0.0, 0.0])

# f(x) and J u, from one pass
y, Ju = jvp(f, (x,), (u,))
print("f(x):", y)
print("J u for u = [1, 0, 0]:", Ju)
