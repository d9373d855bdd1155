import warnings

import torch
from torch.autograd import gradcheck
from torch.autograd import gradgradcheck


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x**2

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


# gradcheck compares backward with finite
# differences: use float64
x = torch.tensor(2.0, dtype=torch.float64)
x.requires_grad_()
ok = gradcheck(SQ.apply, (x,))
print("float64, gradcheck passes:", ok)
ok = gradgradcheck(SQ.apply, (x,))
print("float64, gradgradcheck passes:", ok)

# the same, correct SQ in float32
x32 = torch.tensor(2.0, requires_grad=True)
with warnings.catch_warnings():
    # gradcheck warns about float32: hide it
    warnings.simplefilter("ignore")
    ok = gradcheck(SQ.apply, (x32,),
                   raise_exception=False)
print("float32, gradcheck passes:", ok)
