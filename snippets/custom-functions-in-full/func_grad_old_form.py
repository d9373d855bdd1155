import torch


class Cube(torch.autograd.Function):
    # the form with ctx in forward
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x**2


x = torch.tensor(2.0)
torch.func.grad(Cube.apply)(x)
