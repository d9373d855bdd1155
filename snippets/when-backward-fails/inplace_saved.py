import torch

x = torch.tensor(0.0, requires_grad=True)
# sigmoid saves its output y: its derivative
# is y * (1 - y).
y = torch.sigmoid(x)
print("y = sigmoid(x):", y)

# Overwrite that saved output in place.
y.mul_(2)
print("y after y.mul_(2):", y)
y.backward()
