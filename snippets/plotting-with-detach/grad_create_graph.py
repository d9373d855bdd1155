from warnings import filterwarnings

import torch

# backward(create_graph=True) also warns
# about a reference cycle: silence that here
filterwarnings("ignore", "Using backward")

# an ordinary backward: x.grad has no history
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x**3).sum().backward()
print("ordinary:", x.grad.requires_grad)

# create_graph=True records the backward pass,
# so x.grad is itself part of a graph
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x**3).sum().backward(create_graph=True)
print("create_graph:", x.grad.requires_grad)
has_history = x.grad.grad_fn is not None
print("x.grad has a grad_fn:", has_history)

x.grad.numpy()
