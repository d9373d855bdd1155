import torch


class CumSum(torch.autograd.Function):
    """y_i = x_1 + ... + x_i"""

    @staticmethod
    def forward(ctx, x):
        return torch.cumsum(x, dim=0)

    @staticmethod
    def backward(ctx, grad_output):
        print("grad_output:", grad_output)
        # x_j feeds y_j, y_j+1, ..., so entry j
        # of v^T J adds up v_i for every i >= j
        v = grad_output
        return v.flip(0).cumsum(0).flip(0)


x = torch.tensor([1.0, 2.0, 3.0])
x.requires_grad_()
y = CumSum.apply(x)
print("y:", y)

v = torch.tensor([1.0, 10.0, 100.0])
y.backward(v)
print("x.grad:", x.grad)
