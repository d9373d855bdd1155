import torch

x = torch.tensor(3.0, requires_grad=True)
y = x * x

(d1,) = torch.autograd.grad(
    y, x, create_graph=True)
(d2,) = torch.autograd.grad(
    d1, x, create_graph=True)
print("f'(3):", d1)
print("f''(3):", d2)
print("requires_grad:", d2.requires_grad)

# f'' = 2 whatever x is: nothing to go back to
(d3,) = torch.autograd.grad(d2, x)
