import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x**2

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


# gradcheck compares backward with finite differences: use float64.
x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
print("gradcheck passes:", torch.autograd.gradcheck(SQ.apply, (x,)))
