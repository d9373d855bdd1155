import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1

# y.grad_fn is the "+ 1"; below it, x**2 + 2*x
add = y.grad_fn.next_functions[0][0]
pow_node = add.next_functions[0][0]
mul_node = add.next_functions[1][0]
print("pow_node:", pow_node.name())
print("mul_node:", mul_node.name())

# the node each of them sends x's share to
a = pow_node.next_functions[0][0]
b = mul_node.next_functions[0][0]
print("type of a:", type(a).__name__)
print("a is b:", a is b)
print("a.variable is x:", a.variable is x)
