import torch

x = torch.tensor(2.0, requires_grad=True)
print("before any backward, x.grad:", x.grad)
for step in (1, 2, 3):
    # Forget the previous step's gradient.
    x.grad = None
    y = x**2
    y.backward()
    print(f"step {step}, x.grad:", x.grad)
