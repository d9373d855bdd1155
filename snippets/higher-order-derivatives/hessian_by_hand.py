import torch

u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u**3 + v**2 + 4 * u * v

# First derivatives, keeping their graphs
df_du, df_dv = torch.autograd.grad(
    f, (u, v), create_graph=True)

# Differentiate each of them by u and by v
row_u = torch.autograd.grad(
    df_du, (u, v), retain_graph=True)
row_v = torch.autograd.grad(df_dv, (u, v))
print("d2f/du2, d2f/dudv:", row_u)
print("d2f/dvdu, d2f/dv2:", row_v)
