import torch

torch.manual_seed(0)
# Every operation first, then requires_grad_().
w = (torch.randn(3) * 0.01).requires_grad_()
print("w.is_leaf:", w.is_leaf)

x = torch.tensor([1.0, 2.0, 3.0])
loss = (w * x).sum()
loss.backward()
print("w.grad:", w.grad)
