import torch


class Softplus(torch.autograd.Function):
    """log(1 + exp(x)), safe for large x."""

    @staticmethod
    def forward(x):
        # for large x, log(1 + exp(x)) is x
        # to float precision: skip exp
        big = x > 20
        small = torch.log1p(torch.exp(x))
        return torch.where(big, x, small)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


# value and gradient of f at x = 100
def at_100(f):
    x = torch.tensor([100.0])
    x.requires_grad_()
    y = f(x)
    y.backward()
    return y.detach(), x.grad


def naive(x):
    return torch.log(1 + torch.exp(x))


def with_where(x):
    small = torch.log1p(torch.exp(x))
    return torch.where(x > 20, x, small)


# torch operations only: keep exp's input
# small, so no branch overflows
def clamped(x):
    safe = x.clamp(max=20)
    small = torch.log1p(torch.exp(safe))
    return torch.where(x > 20, x, small)


print("naive:", *at_100(naive))
print("where:", *at_100(with_where))
print("clamped:", *at_100(clamped))
print("Softplus:", *at_100(Softplus.apply))
F = torch.nn.functional
print("F.softplus:", *at_100(F.softplus))
