import torch

u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u**3 + v**2 + 4 * u * v

# Return the partial derivatives instead
# of storing them in .grad
df_du, df_dv = torch.autograd.grad(f, (u, v))
print("df/du:", df_du)
print("df/dv:", df_dv)
print("u.grad:", u.grad)
print("v.grad:", v.grad)
