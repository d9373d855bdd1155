import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1
print("y = x**2 + 2x + 1 at x = 2:", y)

y.backward()
print("dy/dx at x = 2:", x.grad)
