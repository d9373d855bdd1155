import torch

x = torch.tensor([1.0, 2.0, 3.0],
                 requires_grad=True)
s = torch.softmax(x, dim=0)
print("softmax:", s.detach())
print("sum of softmax:", s.sum().detach())

s.sum().backward()
print("sum trick:", x.grad)
