import numpy as np
import torch


class NumpySin(torch.autograd.Function):
    """sin by NumPy, outside autograd."""

    @staticmethod
    def forward(x):
        sin_x = np.sin(x.detach().numpy())
        return torch.from_numpy(sin_x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        cos_x = np.cos(x.detach().numpy())
        cos_x = torch.from_numpy(cos_x)
        return grad_output * cos_x


x = torch.tensor([1.0], requires_grad=True)
s, c = x.detach().sin(), x.detach().cos()

# z = sin(x)**2, differentiated twice
z = NumpySin.apply(x) ** 2
dz = torch.autograd.grad(
    z, x, create_graph=True
)[0]
print("dz/dx:", dz.detach())
print("by hand, 2 sin cos:", 2 * s * c)

# differentiate dz/dx once more
dz.backward()
print("d2z/dx2:", x.grad)
print("by hand, 2cos^2 - 2sin^2:",
      2 * c**2 - 2 * s**2)
