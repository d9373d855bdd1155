import torch
from torch.func import grad


def f(x):
    return x * torch.sin(x)


# grad(f) is a new function: it computes f'
df = grad(f)
print("grad(f) is a function:", callable(df))
x = torch.tensor(1.0)
print("f'(1) from grad(f):", df(x))

# The same derivative with backward()
x = torch.tensor(1.0, requires_grad=True)
f(x).backward()
print("f'(1) from backward():", x.grad)
