import torch

x = torch.tensor(2.0, requires_grad=True)
# Computed once, before the loop.
s = x**2
for step in (1, 2):
    # y is new each step, but s's graph is not.
    y = 3 * s
    y.backward()
    print(f"step {step}, x.grad:", x.grad)
    x.grad = None
