import torch


class WrongSQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        # ignores grad_output
        return 2 * x


# v = 0: nothing downstream depends on y,
# so dL/dx should be 0
x = torch.tensor(2.0, requires_grad=True)
y = WrongSQ.apply(x)
y.backward(torch.zeros_like(y))
print("WrongSQ, grad for grad_output 0:",
      x.grad)

x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward(torch.zeros_like(y))
print("x**2, grad for grad_output 0:", x.grad)
