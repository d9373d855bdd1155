import torch


class WrongSQ(torch.autograd.Function):
    """The seeds' version: its backward ignores grad_output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x  # wrong: should be grad_output * 2 * x


x = torch.tensor(2.0, requires_grad=True)
(3 * WrongSQ.apply(x)).backward()
print("dz/dx for z = 3 * WrongSQ(x) at x = 2:", x.grad)

# The same z built from torch's own operations, for comparison.
x = torch.tensor(2.0, requires_grad=True)
(3 * x**2).backward()
print("dz/dx for z = 3 * x**2 at x = 2:", x.grad)
