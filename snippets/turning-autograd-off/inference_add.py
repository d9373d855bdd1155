import torch

x = torch.tensor(2.0, requires_grad=True)

with torch.inference_mode():
    c = x * 3

# d(x + c)/dx = 1 needs nothing of c: no error.
y = x + c
print("y.grad_fn.name():", y.grad_fn.name())
y.backward()
print("dy/dx:", x.grad)
