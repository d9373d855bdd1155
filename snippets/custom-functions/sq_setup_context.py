import torch


class SQ(torch.autograd.Function):
    # no ctx: forward only computes
    @staticmethod
    def forward(x):
        return x**2

    # saving happens here
    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


x = torch.tensor(2.0, requires_grad=True)
y = SQ.apply(x)
print("y = SQ(x) at x = 2:", y)

y.backward()
print("dy/dx at x = 2:", x.grad)
