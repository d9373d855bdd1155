import torch

x = torch.linspace(-2, 2, 5, requires_grad=True)
# five outputs, one per element of x
y = x**2
print("y:", y)

# which of the five should it differentiate?
y.backward()
