import torch

x = torch.tensor(0.0, requires_grad=True)
y = torch.sigmoid(x)
# Change a copy in place, never the saved y.
z = y.clone()
z.mul_(2)
print("z = 2 * sigmoid(x):", z)

z.backward()
print("dz/dx at x = 0:", x.grad)
