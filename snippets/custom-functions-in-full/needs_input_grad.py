import torch


class ScaledMulSin(torch.autograd.Function):
    @staticmethod
    def forward(x, y, scale):
        return scale * x * torch.sin(y)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y, scale = inputs
        ctx.save_for_backward(x, y)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        print("needs_input_grad:", need)
        g = grad_output * ctx.scale
        grad_x = grad_y = None
        if need[0]:
            grad_x = g * torch.sin(y)
        if need[1]:
            # not run here: y needs no gradient
            grad_y = g * x * torch.cos(y)
        return grad_x, grad_y, None


x = torch.tensor(3.0, requires_grad=True)
# y is a constant this time
y = torch.tensor(0.5)
ScaledMulSin.apply(x, y, 2.0).backward()
print("x.grad:", x.grad)
print("y.grad:", y.grad)
