import torch

# softplus(x) = log(1 + exp(x)), made of
# torch operations: no Function needed
x = torch.tensor([-2.0, 0.0, 3.0])
x.requires_grad_()
y = torch.log(1 + torch.exp(x))
y.sum().backward()
print("autograd:", x.grad)

# by hand: exp(x) / (1 + exp(x)) = sigmoid(x)
print("sigmoid(x):", torch.sigmoid(x.detach()))
