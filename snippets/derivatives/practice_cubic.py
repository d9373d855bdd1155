import torch

x = torch.tensor(1.0, requires_grad=True)
y = 2 * x**3 + x
print("y = 2x**3 + x at x = 1:", y)

y.backward()
print("dy/dx at x = 1:", x.grad)
