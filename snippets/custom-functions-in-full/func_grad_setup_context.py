import torch


class Cube(torch.autograd.Function):
    # needed by vmap, not by grad
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x**2


x = torch.tensor(2.0)
dcube = torch.func.grad(Cube.apply)
print("grad(Cube)(2):", dcube(x))

xs = torch.tensor([-1.0, 0.5, 3.0])
many = torch.func.vmap(dcube)(xs)
print("vmap(grad(Cube))(xs):", many)
