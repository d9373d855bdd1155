import torch

x = torch.tensor([1.0, 2.0, 4.0],
                 requires_grad=True)
y = x[:2] * x[2]
print("x.shape:", x.shape)
print("y.shape:", y.shape)

# v shaped like the input x, not like y
y.backward(torch.ones_like(x))
