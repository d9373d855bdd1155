import torch


class Scale(torch.autograd.Function):
    @staticmethod
    def forward(x, scale):
        return scale * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.scale = inputs[1]

    @staticmethod
    def backward(ctx, grad_output):
        # wrong: forward had two inputs
        return grad_output * ctx.scale


x = torch.tensor(3.0, requires_grad=True)
Scale.apply(x, 2.0).backward()
