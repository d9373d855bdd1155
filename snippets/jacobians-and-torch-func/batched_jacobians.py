import torch
from torch.func import jacfwd, jacrev
from torch.func import jvp, vjp, vmap

A = torch.tensor([[1.0, 2.0, 0.0],
                  [0.0, 1.0, 3.0]])
calls = 0


# 3 inputs, 2 outputs; counts its own runs
def f(x):
    global calls
    calls += 1
    return A @ x**2


x = torch.tensor([1.0, 2.0, 3.0])

# Reverse: one vjp, then vmap hands vjp_fn
# both rows of the identity as one batch
calls = 0
y, vjp_fn = vjp(f, x)
(J_rev,) = vmap(vjp_fn)(torch.eye(2))
print("vmap over vjp: runs of f:", calls)


# Forward: vmap carries all 3 directions
# through one run of f
def column(u):
    return jvp(f, (x,), (u,))[1]


calls = 0
J_fwd = vmap(column, out_dims=1)(torch.eye(3))
print("vmap over jvp: runs of f:", calls)

# jacrev and jacfwd work the same way
calls = 0
J_r = jacrev(f)(x)
print("jacrev: runs of f:", calls)
calls = 0
J_f = jacfwd(f)(x)
print("jacfwd: runs of f:", calls)
print("same J:", torch.equal(J_r, J_rev)
      and torch.equal(J_f, J_fwd))
