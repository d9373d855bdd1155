import torch
from torch.func import grad


def f(x):
    return x**3 - 3 * x


# Transforms compose: grad of grad is f''
d2f = grad(grad(f))
print("f''(2):", d2f(torch.tensor(2.0)))
