import torch

x = torch.tensor(2.0, requires_grad=True)

for call in (1, 2):
    # a new y, so a new graph, at every call
    y = x**2
    y.backward()
    print(f"x.grad after call {call}:", x.grad)
