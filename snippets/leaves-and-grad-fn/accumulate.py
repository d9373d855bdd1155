import torch

x = torch.tensor(2.0, requires_grad=True)

for call in (1, 2):
    y = x**2
    y.backward()
    print(f"x.grad after backward() call {call}:", x.grad)

x.grad.zero_()  # reset before the next, independent derivative
y = x**2
y.backward()
print("x.grad after zero_() and one more call:", x.grad)
