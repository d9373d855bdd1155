import torch

# three inputs
x = torch.tensor([1.0, 2.0, 4.0],
                 requires_grad=True)
# two outputs: y0 = x0*x2 and y1 = x1*x2
y = x[:2] * x[2]
print("y:", y)

# v has one entry per OUTPUT, like y
v = torch.tensor([1.0, 10.0])
y.backward(v)
# v^T J has one entry per INPUT, like x
print("x.grad = v^T J:", x.grad)
