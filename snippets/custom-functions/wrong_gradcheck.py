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


x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)

# With raise_exception=False, gradcheck answers True or False.
ok = torch.autograd.gradcheck(WrongSQ.apply, (x,), raise_exception=False)
print("gradcheck passes:", ok)

# By default it raises, and its message names the mistake.
torch.autograd.gradcheck(WrongSQ.apply, (x,))
