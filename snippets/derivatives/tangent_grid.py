import torch

# y = x**2 at 25 points, x = -3, -2.75, ..., 3:
# one backward() per point, as in this lesson
print("    x    x**2 x.grad")
for step in range(-12, 13):
    value = step / 4
    x = torch.tensor(value, requires_grad=True)
    y = x**2
    y.backward()
    print(f"{x.item():5.2f} {y.item():7.4f}",
          f"{x.grad.item():6.2f}")
