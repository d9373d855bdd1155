import matplotlib.pyplot as plt
import torch

x = torch.linspace(-10, 10, 1000,
                   requires_grad=True)
y = torch.relu(x)
y.sum().backward()

xs = x.detach().numpy()
fig, ax = plt.subplots()
ax.plot(xs, y.detach().numpy(), label="relu(x)")
ax.plot(xs, x.grad.numpy(),
        label="derivative from autograd")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("ReLU and its derivative")
ax.legend()
plt.show()
