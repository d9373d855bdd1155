import torch

x = torch.tensor(3.0, requires_grad=True)
for name, y in [("x * x", x * x),
                ("x**2", x**2)]:
    (d1,) = torch.autograd.grad(
        y, x, create_graph=True)
    (d2,) = torch.autograd.grad(
        d1, x, create_graph=True)
    print(f"{name}: f'' =", d2.detach(),
          "requires_grad:", d2.requires_grad)
