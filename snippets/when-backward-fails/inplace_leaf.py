import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
# One step downhill, written in place on x.
x -= 0.1 * x.grad
