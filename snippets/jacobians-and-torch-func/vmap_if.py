import torch
from torch.func import grad, vmap


def f(x):
    # Python's if needs one True or False
    if x > 0:
        return x**2
    return -x


# One point: x holds one number, so if works
x = torch.tensor(2.0)
print("grad(f) at 2:", grad(f)(x))

# A batch under vmap: one if for three values
xs = torch.tensor([-1.0, 2.0, 3.0])
print(vmap(grad(f))(xs))
