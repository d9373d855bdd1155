import torch

x = torch.tensor(2.0, requires_grad=True)

# c = 3x, but computed without recording.
with torch.no_grad():
    c = x * 3

# Later, outside the block, c is a constant.
y = x * c
y.backward()
print("c:", c)
print("dy/dx with c a constant:", x.grad)

# For comparison: c recorded, so y = 3x**2.
x.grad.zero_()
c = x * 3
y = x * c
y.backward()
print("dy/dx with c recorded:", x.grad)
