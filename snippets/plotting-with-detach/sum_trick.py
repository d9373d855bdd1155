import torch

x = torch.linspace(-2, 2, 5, requires_grad=True)
print("x:", x)

# The sum trick: y.sum() is a scalar, and d(sum)/dx_i = dy_i/dx_i.
y = x**2
y.sum().backward()
print("gradient from y.sum().backward():", x.grad)
via_sum = x.grad.clone()

# The same thing, said directly: weight every output by 1.
x.grad = None
y = x**2
y.backward(torch.ones_like(x))
print("gradient from y.backward(torch.ones_like(x)):", x.grad)
print("identical:", torch.equal(via_sum, x.grad))
