import torch


def slope_at_0(f):
    x = torch.tensor(0.0, requires_grad=True)
    f(x).backward()
    return x.grad


# three ways to write max(0, x), and sqrt(x)
def clamp0(t):
    return t.clamp(min=0)


def maximum0(t):
    zero = torch.zeros_like(t)
    return torch.maximum(t, zero)


print("relu'(0):", slope_at_0(torch.relu))
print("clamp'(0):", slope_at_0(clamp0))
print("maximum'(0):", slope_at_0(maximum0))
print("sqrt'(0):", slope_at_0(torch.sqrt))
