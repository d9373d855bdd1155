import torch

x = torch.tensor([-1.0, 0.0, 1.0],
                 requires_grad=True)
torch.relu(x).sum().backward()
print("x:", x.detach())
print("relu'(x):", x.grad)
