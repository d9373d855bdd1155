import torch

u = torch.tensor(1.0, requires_grad=True)
v = torch.tensor(2.0, requires_grad=True)
f = u * v + u**2
print("f = uv + u**2 at u = 1, v = 2:", f)

f.backward()  # one pass fills the gradient of every leaf that requires grad
print("df/du (partial, in u.grad):", u.grad)
print("df/dv (partial, in v.grad):", v.grad)
