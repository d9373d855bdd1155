import torch

x = torch.tensor(2.0, requires_grad=True)
for step in (1, 2):
    # The whole computation, redone each step,
    # builds a fresh graph for backward to free.
    s = x**2
    y = 3 * s
    y.backward()
    print(f"step {step}, x.grad:", x.grad)
    x.grad = None
