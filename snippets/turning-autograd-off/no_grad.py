import torch

x = torch.tensor(2.0, requires_grad=True)

# Is autograd recording? Outside: yes.
print("outside:", torch.is_grad_enabled())
y = x * 3
print("y.requires_grad:", y.requires_grad)
print("y.grad_fn.name():", y.grad_fn.name())

# Inside the block: no.
with torch.no_grad():
    print("inside:", torch.is_grad_enabled())
    z = x * 3

print("z:", z)
print("z.requires_grad:", z.requires_grad)
print("z.grad_fn:", z.grad_fn)
print("z.is_leaf:", z.is_leaf)
# x itself is untouched by the block.
print("x.requires_grad:", x.requires_grad)
