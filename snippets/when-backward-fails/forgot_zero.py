import torch

x = torch.tensor(2.0, requires_grad=True)
for step in (1, 2, 3):
    y = x**2
    y.backward()
    print(f"step {step}, x.grad:", x.grad)
