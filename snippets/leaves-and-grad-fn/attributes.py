import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()

print("x.data:", x.data)
print("x.grad_fn:", x.grad_fn)
print("x.grad:", x.grad)
print("x.is_leaf:", x.is_leaf)
print("x.requires_grad:", x.requires_grad)
print()
print("y.data:", y.data)
print("y.grad_fn.name():", y.grad_fn.name())
print("y.is_leaf:", y.is_leaf)
print("y.requires_grad:", y.requires_grad)
