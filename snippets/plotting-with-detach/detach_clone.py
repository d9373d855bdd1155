import torch

x = torch.tensor([1.0, 2.0, 3.0],
                 requires_grad=True)
y = x**2

# clone() copies: the change stays in the copy
c = x.detach().clone()
c.add_(10)
print("c:", c)
print("x:", x)

y.sum().backward()
print("x.grad:", x.grad)
