import torch

x = torch.linspace(-2, 2, 5, requires_grad=True)
y = x**2

# the same values, cut off from the graph
d = y.detach()
print("d.requires_grad:", d.requires_grad)
print("d.grad_fn:", d.grad_fn)
print("d.numpy():", d.numpy())
