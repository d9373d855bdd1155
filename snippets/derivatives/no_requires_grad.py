import torch

# Forgot requires_grad=True: nothing about
# y's history is recorded.
x = torch.tensor(2.0)
y = x**2
print("y:", y)
print("y.requires_grad:", y.requires_grad)
print("y.grad_fn:", y.grad_fn)

y.backward()
