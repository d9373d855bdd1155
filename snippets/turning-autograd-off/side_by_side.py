import torch

x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(2.0, requires_grad=True)
w.requires_grad_(False)

with torch.no_grad():
    in_no_grad = x * 3
with torch.inference_mode():
    in_inference = x * 3

# The same product, 3 * 2, five ways.
results = {
    "tracked": x * 3,
    "no_grad": in_no_grad,
    "inference": in_inference,
    "detach": (x * 3).detach(),
    "frozen": w * 3,
}


def row(a, b, c, d):
    print(f"{a!s:<11}{b!s:<15}{c!s:<14}{d}")


row("result", "requires_grad", "grad_fn",
    "is_leaf")
for name, t in results.items():
    fn = t.grad_fn.name() if t.grad_fn else None
    row(name, t.requires_grad, fn, t.is_leaf)
