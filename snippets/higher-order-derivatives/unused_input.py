import torch

u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u * v

# df/du = v: it has a graph, through v
(df_du,) = torch.autograd.grad(
    f, u, create_graph=True)
print("df/du:", df_du)

# How does v change with u? u is not in it
(d2f_du2,) = torch.autograd.grad(df_du, u)
