import torch

x = torch.tensor([1.0, 2.0, 3.0],
                 requires_grad=True)
# going back through x**2 needs x (d/dx = 2x)
y = x**2
print("y:", y)

# change x in place through a detached tensor
x.detach().add_(10)
print("x:", x)

y.sum().backward()
