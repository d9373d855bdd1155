import torch
from torch.autograd import gradcheck


class CumSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.cumsum(x, dim=0)

    @staticmethod
    def backward(ctx, grad_output):
        v = grad_output
        return v.flip(0).cumsum(0).flip(0)


torch.manual_seed(0)
x = torch.randn(5, dtype=torch.float64)
x.requires_grad_()
ok = gradcheck(CumSum.apply, (x,))
print("gradcheck passes:", ok)
