import torch

w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

# Freeze w: autograd stops tracking it.
w.requires_grad_(False)
print("w.requires_grad:", w.requires_grad)
print("w.is_leaf:", w.is_leaf)

# b is still tracked, so loss is too.
x = torch.tensor(4.0)
loss = (w * x + b) ** 2
print("loss:", loss)
loss.backward()

print("w.grad:", w.grad)
print("b.grad:", b.grad)
