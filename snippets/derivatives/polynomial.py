import torch

x = torch.tensor(3.0, requires_grad=True)
y = 6 * x**2 + 2 * x + 4
print("y = 6x**2 + 2x + 4 at x = 3:", y)

y.backward()
print("dy/dx at x = 3:", x.grad)
