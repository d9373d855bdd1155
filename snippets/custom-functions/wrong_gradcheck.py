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


x = torch.tensor(2.0, dtype=torch.float64)
x.requires_grad_()
check = torch.autograd.gradcheck
f = WrongSQ.apply

# raise_exception=False: answers True or False
ok = check(f, (x,), raise_exception=False)
print("gradcheck passes:", ok)

# By default it raises, naming the mistake.
check(f, (x,))
