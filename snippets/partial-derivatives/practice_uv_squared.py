import torch

u = torch.tensor(2.0, requires_grad=True)
v = torch.tensor(1.0, requires_grad=True)
f = u * v + (u * v) ** 2
print("f at u = 2, v = 1:", f)

f.backward()
print("df/du (partial, in u.grad):", u.grad)
print("df/dv (partial, in v.grad):", v.grad)
