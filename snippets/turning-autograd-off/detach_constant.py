import torch

x = torch.tensor(2.0, requires_grad=True)

# Computed with recording, then cut off.
c = (x * 3).detach()
print("c:", c)
print("c.requires_grad:", c.requires_grad)
print("c.grad_fn:", c.grad_fn)

# Like a no_grad result, c is a constant.
y = x * c
y.backward()
print("dy/dx with c detached:", x.grad)
