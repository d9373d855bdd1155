import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
# The update itself must not be recorded.
with torch.no_grad():
    x -= 0.1 * x.grad
print("x after one step:", x)
print("x.is_leaf:", x.is_leaf)
