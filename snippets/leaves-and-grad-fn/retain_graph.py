import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2
# keep the saved values for one more pass
y.backward(retain_graph=True)
print("x.grad after pass 1:", x.grad)
y.backward()
print("x.grad after pass 2:", x.grad)
