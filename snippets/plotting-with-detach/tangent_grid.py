import torch

columns = []
for f in (torch.relu, torch.sin):
    # 25 points, x = -3, -2.75, ..., 3
    x = torch.arange(-12, 13) / 4
    x.requires_grad_()
    y = f(x)
    # the sum trick: every x.grad in one pass
    y.sum().backward()
    columns += [y.detach().tolist(),
                x.grad.tolist()]
xs = x.detach().tolist()

head = ["x", "relu(x)", "x.grad", "sin(x)",
        "x.grad"]
print(" ".join(f"{h:>7}" for h in head))
for row in zip(xs, *columns):
    print(" ".join(f"{v:7.3f}" for v in row))
