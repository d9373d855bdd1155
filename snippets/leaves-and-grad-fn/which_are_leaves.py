import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2
# c needs no gradient, so nothing made from
# it is recorded, not even d = c * 2
c = torch.tensor(3.0)
d = c * 2


def show(name, t):
    fn = t.grad_fn.name() if t.grad_fn else None
    print(f"{name}: grad_fn={fn},",
          f"is_leaf={t.is_leaf}")


show("x", x)
show("y", y)
show("c", c)
show("d", d)
