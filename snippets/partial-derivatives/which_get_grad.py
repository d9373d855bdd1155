import torch

u = torch.tensor(1.0, requires_grad=True)
# v is a constant: no requires_grad
v = torch.tensor(2.0)
# w requires grad, but f never uses it
w = torch.tensor(5.0, requires_grad=True)
f = u * v + u**2

f.backward()
print("u.grad:", u.grad)
print("v.grad:", v.grad)
print("w.grad:", w.grad)
