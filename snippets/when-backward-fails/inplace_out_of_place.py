import torch

x = torch.tensor(0.0, requires_grad=True)
y = torch.sigmoid(x)
# y * 2 is a new tensor: the saved y is intact.
z = y * 2
print("z = 2 * sigmoid(x):", z)

z.backward()
print("dz/dx at x = 0:", x.grad)
