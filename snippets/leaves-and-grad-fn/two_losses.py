import torch

x = torch.tensor(2.0, requires_grad=True)

# two losses, one backward() each
loss_a = x**2
loss_a.backward()
loss_b = 3 * x
loss_b.backward()
print("x.grad after both:", x.grad)
