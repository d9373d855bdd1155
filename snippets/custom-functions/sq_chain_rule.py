import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        print("grad_output:", grad_output)
        return grad_output * 2 * x


x = torch.tensor(2.0, requires_grad=True)
# z = 3x**2, so dz/dx = 6x
z = 3 * SQ.apply(x)
print("z = 3 * SQ(x) at x = 2:", z)

z.backward()
print("dz/dx at x = 2:", x.grad)
