import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
print("x.grad after the first call:", x.grad)

# the same y: the graph it already used
y.backward()
