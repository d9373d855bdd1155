import torch


class ScaledMulSin(torch.autograd.Function):
    """z = scale * x * sin(y), scale a float"""

    @staticmethod
    def forward(x, y, scale):
        return scale * x * torch.sin(y)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y, scale = inputs
        ctx.save_for_backward(x, y)
        # not a tensor: keep it on ctx itself
        ctx.scale = scale

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        g = grad_output * ctx.scale
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = g * torch.sin(y)
        if ctx.needs_input_grad[1]:
            grad_y = g * x * torch.cos(y)
        # one result per input of forward,
        # None for the float scale
        return grad_x, grad_y, None


x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(0.5, requires_grad=True)
z = ScaledMulSin.apply(x, y, 2.0)
print("z = 2 * x * sin(y):", z)

z.backward()
print("dz/dx = 2 sin(y):", x.grad)
print("dz/dy = 2x cos(y):", y.grad)
