import torch
from torch.func import jvp, vjp

calls = 0


# 1000 inputs, 1 output, like a loss
def f(x):
    global calls
    calls += 1
    return (x**2).sum()


x = torch.linspace(-1, 1, 1000)

# One output, so one vjp (with v = 1)
calls = 0
y, vjp_fn = vjp(f, x)
rows = [vjp_fn(v)[0] for v in torch.ones(1)]
g_rev = rows[0]
print("reverse: runs of f:", calls,
      "| vjps:", len(rows))

# 1000 inputs, so 1000 jvps
calls = 0
g_fwd = torch.stack(
    [jvp(f, (x,), (e,))[1]
     for e in torch.eye(1000)])
print("forward: runs of f:", calls,
      "| jvps:", len(g_fwd))
print("same gradient:",
      torch.allclose(g_rev, g_fwd))
