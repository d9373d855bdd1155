import torch


class SQ(torch.autograd.Function):
    """y = x**2, backward written by hand."""

    @staticmethod
    def forward(ctx, x):
        # backward will need x to compute 2x
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        # chain rule: dL/dx = dL/dy * dy/dx
        return grad_output * 2 * x


x = torch.tensor(2.0, requires_grad=True)
y = SQ.apply(x)
print("y = SQ(x) at x = 2:", y)
print("y.grad_fn.name():", y.grad_fn.name())

y.backward()
print("dy/dx at x = 2:", x.grad)
