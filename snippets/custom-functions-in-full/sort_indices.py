import torch


class Sort(torch.autograd.Function):
    """Sorted values and where they were."""

    @staticmethod
    def forward(x):
        values, indices = torch.sort(x)
        return values, indices

    @staticmethod
    def setup_context(ctx, inputs, output):
        values, indices = output
        # indices are positions: no gradient
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)

    @staticmethod
    def backward(ctx, grad_values, grad_idx):
        print("grad for indices:", grad_idx)
        (indices,) = ctx.saved_tensors
        # send each gradient back to the
        # position its value came from
        grad_x = torch.zeros_like(grad_values)
        grad_x[indices] = grad_values
        return grad_x


x = torch.tensor([3.0, 1.0, 2.0])
x.requires_grad_()
values, indices = Sort.apply(x)
print("values:", values)
print("indices:", indices)
print("indices.requires_grad:",
      indices.requires_grad)

w = torch.tensor([1.0, 10.0, 100.0])
(w * values).sum().backward()
print("x.grad:", x.grad)
