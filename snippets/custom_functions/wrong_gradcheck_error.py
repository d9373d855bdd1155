import torch


class WrongSQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x  # ignores grad_output


# With the default raise_exception=True, gradcheck says what is wrong.
x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
torch.autograd.gradcheck(WrongSQ.apply, (x,))
