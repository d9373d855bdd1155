import torch
from torch.func import jvp, vjp

A = torch.tensor([[1.0, 2.0, 0.0],
                  [0.0, 1.0, 3.0]])
calls = 0


# 3 inputs, 2 outputs; counts its own runs
def f(x):
    global calls
    calls += 1
    return A @ x**2


x = torch.tensor([1.0, 2.0, 3.0])

# Reverse: run f once, then one vjp per
# output gives J row by row
calls = 0
y, vjp_fn = vjp(f, x)
rows = [vjp_fn(e)[0] for e in torch.eye(2)]
print("reverse: runs of f:", calls,
      "| vjps:", len(rows))

# Forward: one jvp per input, each running
# f again, gives J column by column
calls = 0
cols = [jvp(f, (x,), (e,))[1]
        for e in torch.eye(3)]
print("forward: runs of f:", calls,
      "| jvps:", len(cols))

J_rows = torch.stack(rows)
J_cols = torch.stack(cols, dim=1)
print("J:")
print(J_rows)
print("same J:", torch.equal(J_rows, J_cols))
