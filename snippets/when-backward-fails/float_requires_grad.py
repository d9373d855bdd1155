import torch

# 2.0, not 2: a float gives float32.
x = torch.tensor(2.0, requires_grad=True)
print("x.dtype:", x.dtype)
y = x**2
y.backward()
print("dy/dx at x = 2:", x.grad)

# Or keep the integer and ask for a float dtype.
n = torch.arange(3, dtype=torch.float32)
n.requires_grad_()
print("n:", n)
