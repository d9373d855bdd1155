import torch

x = torch.tensor([1.0, 2.0, 4.0],
                 requires_grad=True)
y = x[:2] * x[2]

# v shaped like the output y
y.backward(torch.ones_like(y))
print("x.grad:", x.grad)
