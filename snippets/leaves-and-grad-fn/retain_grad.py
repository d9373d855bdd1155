import torch

x = torch.tensor(2.0, requires_grad=True)
# an intermediate result: not a leaf
y = x**2
z = 3 * y

# ask autograd to keep dz/dy on y
y.retain_grad()
z.backward()

print("dz/dy, kept in y.grad:", y.grad)
print("dz/dx, in x.grad:", x.grad)
