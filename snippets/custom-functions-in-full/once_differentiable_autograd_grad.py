import numpy as np
import torch
from torch.autograd.function import (
    once_differentiable,
)


class NumpySin(torch.autograd.Function):
    @staticmethod
    def forward(x):
        sin_x = np.sin(x.detach().numpy())
        return torch.from_numpy(sin_x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        cos_x = np.cos(x.detach().numpy())
        cos_x = torch.from_numpy(cos_x)
        return grad_output * cos_x


x = torch.tensor([1.0], requires_grad=True)
z = NumpySin.apply(x) ** 2
dz = torch.autograd.grad(
    z, x, create_graph=True
)[0]
# dz hangs from an error node, not from x
print("dz.grad_fn.name():", dz.grad_fn.name())

torch.autograd.grad(dz, x)
