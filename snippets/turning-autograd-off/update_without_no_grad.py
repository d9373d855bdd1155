import torch

w = torch.tensor(0.0, requires_grad=True)
loss = (w - 3) ** 2
loss.backward()
print("w.grad:", w.grad)

# A gradient descent step: in place, and
# outside torch.no_grad().
w -= 0.1 * w.grad
