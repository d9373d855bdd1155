import torch

torch.manual_seed(0)
# Small random weights: the scaling happens
# after requires_grad=True, so it is recorded.
w = torch.randn(3, requires_grad=True) * 0.01
print("w.is_leaf:", w.is_leaf)
print("w.grad_fn:", w.grad_fn.name())

# A change of dtype is an operation too.
v = torch.zeros(3, requires_grad=True)
v = v.to(torch.float64)
print("v.is_leaf:", v.is_leaf)

x = torch.tensor([1.0, 2.0, 3.0])
loss = (w * x).sum()
loss.backward()
print("w.grad:", w.grad)
