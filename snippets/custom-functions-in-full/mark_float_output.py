import torch


class MaxMask(torch.autograd.Function):
    """max(x), and a 0/1 mask of where it is"""

    @staticmethod
    def forward(x):
        m = x.max()
        return m, (x == m).to(x.dtype)

    @staticmethod
    def setup_context(ctx, inputs, output):
        m, mask = output
        ctx.save_for_backward(mask)

    @staticmethod
    def backward(ctx, grad_m, grad_mask):
        (mask,) = ctx.saved_tensors
        # max(x) moves 1:1 with the largest
        # entry, and not at all with the rest
        return grad_m * mask


class MarkedMaxMask(MaxMask):
    @staticmethod
    def setup_context(ctx, inputs, output):
        m, mask = output
        ctx.save_for_backward(mask)
        ctx.mark_non_differentiable(mask)


x = torch.tensor([3.0, 1.0, 2.0])
x.requires_grad_()
print("argmax(x).requires_grad:",
      torch.argmax(x).requires_grad)

m, mask = MaxMask.apply(x)
print("unmarked mask.requires_grad:",
      mask.requires_grad)
m, mask = MarkedMaxMask.apply(x)
print("marked mask.requires_grad:",
      mask.requires_grad)
