import torch

x = torch.tensor([1.0, 2.0, 3.0],
                 requires_grad=True)
y = x**2
print("y:", y)

# the same in-place change, through .data
x.data.add_(10)
print("x:", x)

# no error, but dy/dx should be 2, 4, 6
y.sum().backward()
print("x.grad:", x.grad)
