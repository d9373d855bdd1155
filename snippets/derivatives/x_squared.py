import torch

# An input that autograd should track.
x = torch.tensor(2.0, requires_grad=True)
print("x:", x)

# Every operation on x is recorded, so y
# remembers how it was made.
y = x**2
print("y = x**2:", y)

# Walk the recorded operations backwards
# and store dy/dx in x.grad.
y.backward()
print("dy/dx at x = 2:", x.grad)
