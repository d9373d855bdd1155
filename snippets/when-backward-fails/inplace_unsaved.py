import torch

x = torch.tensor(2.0, requires_grad=True)
# x * 3 needs only the constant 3 for backward,
# so y itself is not saved.
y = x * 3
y.add_(1)
print("y = 3x + 1:", y)

y.backward()
print("dy/dx at x = 2:", x.grad)
