import torch

u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u * v
(df_du,) = torch.autograd.grad(
    f, u, create_graph=True)

# allow_unused=True: None means "not used"
(a,) = torch.autograd.grad(
    df_du, u, retain_graph=True,
    allow_unused=True)
print("with allow_unused:", a)

# materialize_grads=True: a zero instead
(b,) = torch.autograd.grad(
    df_du, u, materialize_grads=True)
print("with materialize_grads:", b)
