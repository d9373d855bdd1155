import torch

x = torch.tensor(3.0, requires_grad=True)
y = 3 * x**2
print("y = 3x**2 at x = 3:", y)

y.backward()
print("dy/dx at x = 3:", x.grad)
