import torch

x = torch.tensor([1.0, 2.0, 3.0])
x.requires_grad_()
y = x**2
y.backward()
