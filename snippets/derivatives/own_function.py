import torch


# x**3 - 2x, with the cube built by a loop
def f(x):
    cube = x
    for _ in range(2):
        cube = cube * x
    return cube - 2 * x


x = torch.tensor(3.0, requires_grad=True)
y = f(x)
print("f(x) at x = 3:", y)

y.backward()
print("df/dx at x = 3:", x.grad)
