import torch

torch.manual_seed(0)
# operations first, then requires_grad_()
w = (torch.randn(()) * 0.01).requires_grad_()
print("w:", w)
print("w.is_leaf:", w.is_leaf)
print("w.grad_fn:", w.grad_fn)

loss = w**2
loss.backward()
print("w.grad:", w.grad)

# or create it with the right dtype at once
v = torch.tensor(2.0, dtype=torch.float64,
                 requires_grad=True)
print("v.is_leaf:", v.is_leaf)
