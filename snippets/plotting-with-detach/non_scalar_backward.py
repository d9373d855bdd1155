import torch

x = torch.linspace(-2, 2, 5, requires_grad=True)
y = x**2  # five outputs, one per element of x
print("y:", y)

y.backward()  # which of the five outputs should it differentiate?
