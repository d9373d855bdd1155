from warnings import filterwarnings

import torch

# backward(create_graph=True) also warns
# about a reference cycle: silence that here
filterwarnings("ignore", "Using backward")

x = torch.tensor([1.0, 2.0], requires_grad=True)
(x**3).sum().backward(create_graph=True)

# detach the gradient before NumPy, too
g = x.grad.detach()
print("g.requires_grad:", g.requires_grad)
print("g.numpy():", g.numpy())
