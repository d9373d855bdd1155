import torch

x = torch.linspace(-2, 2, 5, requires_grad=True)
print("x:", x)

# The sum trick: y.sum() is a scalar.
y = x**2
y.sum().backward()
print("via y.sum().backward():", x.grad)
via_sum = x.grad.clone()

# Said directly: v is all ones, one entry per
# element of the OUTPUT y. Empty x.grad first:
# backward adds into it.
x.grad = None
y = x**2
v = torch.ones_like(y)
y.backward(v)
print("via y.backward(v):", x.grad)
same = torch.equal(via_sum, x.grad)
print("identical:", same)
