import torch

u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u**3 + v**2 + 4 * u * v
print("f at u = 3, v = 4:", f)

f.backward()
print("df/du (partial, in u.grad):", u.grad)
print("df/dv (partial, in v.grad):", v.grad)
