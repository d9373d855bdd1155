import torch

a = torch.tensor(2.0, requires_grad=True)
# requires_grad=True forgotten here.
b = torch.tensor(5.0)
# c requires grad, but y never uses it.
c = torch.tensor(1.0, requires_grad=True)
y = a * b
y.backward()
print("a.grad:", a.grad)
print("b.grad:", b.grad)
print("c.grad:", c.grad)
