import torch

w = torch.tensor(0.0, requires_grad=True)
loss = (w - 3) ** 2
loss.backward()

# No error, but the new w is made by an
# operation that was recorded.
w = w - 0.1 * w.grad
print("w:", w)
print("w.is_leaf:", w.is_leaf)
print("w.grad_fn.name():", w.grad_fn.name())
