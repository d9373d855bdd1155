import torch

x = torch.tensor([1.0, 2.0, 3.0])
x.requires_grad_()
y = x**2
# Sum to a scalar; each x_i keeps its own 2 x_i.
y.sum().backward()
print("x.grad:", x.grad)
