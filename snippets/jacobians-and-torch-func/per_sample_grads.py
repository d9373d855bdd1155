import torch
from torch.func import grad, vmap


# Squared error of the model w * x on one
# sample (x, t)
def loss(w, x, t):
    return (w * x - t) ** 2


xs = torch.tensor([1.0, 2.0, 3.0])
ts = torch.tensor([1.0, 5.0, 5.0])

# One w shared by all samples (in_dims None),
# one x and one t per sample (in_dims 0)
w = torch.tensor(2.0)
dloss_dw = grad(loss)
per_sample = vmap(dloss_dw,
                  in_dims=(None, 0, 0))
print("vmap(grad(loss)):",
      per_sample(w, xs, ts))

# The sum trick adds them all up
w = torch.tensor(2.0, requires_grad=True)
loss(w, xs, ts).sum().backward()
print("sum trick:", w.grad)
