import torch

u = torch.tensor(1.0, requires_grad=True)
v = torch.tensor(2.0, requires_grad=True)
f = u * v + u**2
print("f at u = 1, v = 2:", f)

# One pass fills .grad on every input of f
# that requires grad.
f.backward()
print("df/du (partial, in u.grad):", u.grad)
print("df/dv (partial, in v.grad):", v.grad)
