import torch


class WrongSQ(torch.autograd.Function):
    """A common mistake: ignore grad_output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        # wrong: should be grad_output * 2 * x
        return 2 * x


x = torch.tensor(2.0, requires_grad=True)
(3 * WrongSQ.apply(x)).backward()
print("WrongSQ, dz/dx at x = 2:", x.grad)

# the same z from torch's own operations
x = torch.tensor(2.0, requires_grad=True)
(3 * x**2).backward()
print("3 * x**2, dz/dx at x = 2:", x.grad)
