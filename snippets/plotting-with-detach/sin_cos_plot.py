import math

import matplotlib.pyplot as plt
import torch

x = torch.linspace(-2 * math.pi, 2 * math.pi,
                   200, requires_grad=True)
y = torch.sin(x)
y.sum().backward()

# the same numbers, outside the graph
xs = x.detach()
same = torch.allclose(x.grad, torch.cos(xs))
print("autograd's derivative equals cos(x):",
      same)

fig, ax = plt.subplots()
ax.plot(xs.numpy(), y.detach().numpy(),
        label="sin(x)")
ax.plot(xs.numpy(), x.grad.numpy(),
        linewidth=5, alpha=0.45,
        label="derivative from autograd")
ax.plot(xs.numpy(), torch.cos(xs).numpy(),
        "k--", label="cos(x)")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("The derivative of sin is cos")
ax.legend(loc="lower left")
plt.show()
