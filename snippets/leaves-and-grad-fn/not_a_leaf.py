import torch

torch.manual_seed(0)
# a small random weight... or is it?
w = torch.randn((), requires_grad=True) * 0.01
print("w:", w)
print("w.is_leaf:", w.is_leaf)
print("w.grad_fn.name():", w.grad_fn.name())

loss = w**2
loss.backward()
print("w.grad:", w.grad)

# a dtype change is an operation too
v = torch.tensor(2.0, requires_grad=True)
v = v.to(torch.float64)
print("v.is_leaf:", v.is_leaf)
print("v.grad_fn.name():", v.grad_fn.name())
