import torch

x = torch.linspace(-2, 2, 5, requires_grad=True)
y = x**2
print("y.requires_grad:", y.requires_grad)

# y is part of a graph: NumPy can't carry that
y.numpy()
