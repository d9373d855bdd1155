import torch

x = torch.tensor(2.0, requires_grad=True)
(x**2).backward()
(x**2).backward()
print("two calls, no reset:", x.grad)

# 1. fill the stored gradient with zeros
x.grad.zero_()
print("after x.grad.zero_():", x.grad)
(x**2).backward()
print("next call, after zero_():", x.grad)

# 2. throw the stored gradient away
x.grad = None
print("after x.grad = None:", x.grad)
(x**2).backward()
print("next call, after None:", x.grad)

# 3. what training loops use: the
# optimizer's zero_grad()
opt = torch.optim.SGD([x], lr=0.1)
opt.zero_grad()
print("after opt.zero_grad():", x.grad)
