import torch


def f(p):
    u, v = p
    return u**3 + v**2 + 4 * u * v


p = torch.tensor([3.0, 4.0])

H = torch.autograd.functional.hessian(f, p)
print("torch.autograd.functional.hessian:")
print(H)

H2 = torch.func.hessian(f)(p)
print("torch.func.hessian:")
print(H2)
