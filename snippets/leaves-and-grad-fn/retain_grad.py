import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2  # an intermediate result: not a leaf
z = 3 * y

y.retain_grad()  # ask autograd to keep dz/dy on y
z.backward()

print("dz/dy, kept in y.grad:", y.grad)
print("dz/dx, in x.grad:", x.grad)
