import torch
from torch.func import jacfwd, jacrev


def softmax(x):
    return torch.softmax(x, dim=0)


x = torch.tensor([1.0, 2.0, 3.0],
                 dtype=torch.float64)

J = jacrev(softmax)(x)
print("jacrev(softmax):")
print(J)

J_fwd = jacfwd(softmax)(x)
print("jacfwd agrees:",
      torch.allclose(J, J_fwd))

# Each column adds up to 0. Rounding and abs
# hide float64's leftovers, such as -1e-17.
sums = J.sum(dim=0).round(decimals=12)
print("column sums:", sums.abs())
