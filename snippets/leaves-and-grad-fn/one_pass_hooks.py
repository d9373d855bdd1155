import torch

x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1

# y.grad_fn is the "+ 1"; below it, x**2 + 2*x
add = y.grad_fn.next_functions[0][0]
pow_node = add.next_functions[0][0]
mul_node = add.next_functions[1][0]


# a node hook sees what its node sends down
# and what it received from above
def from_pow(sent, received):
    print("PowBackward0 got", received[0],
          "sends", sent[0])


def from_mul(sent, received):
    print("MulBackward0 got", received[0],
          "sends", sent[0])


# a tensor hook sees the gradient that
# reaches x, before it goes into x.grad
def at_x(grad):
    print("arrives at x:", grad)


pow_node.register_hook(from_pow)
mul_node.register_hook(from_mul)
x.register_hook(at_x)
y.backward()
print("x.grad:", x.grad)
