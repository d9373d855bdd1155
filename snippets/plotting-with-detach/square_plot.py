import matplotlib.pyplot as plt
import torch

x = torch.linspace(-10, 10, 10,
                   requires_grad=True)
y = x**2
# x.grad now holds dy/dx = 2x at every point
y.sum().backward()

xs = x.detach().numpy()
fig, ax = plt.subplots()
ax.plot(xs, y.detach().numpy(), marker="o",
        label="y = x**2")
ax.plot(xs, x.grad.numpy(), marker="s",
        label="dy/dx")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("x**2 and its derivative")
ax.legend()
plt.show()
