import torch

# f(w) = (w - 3)**2 is smallest at w = 3.
w = torch.tensor(0.0, requires_grad=True)
lr = 0.1

for step in range(1, 51):
    loss = (w - 3) ** 2
    loss.backward()
    # The update is not part of f: don't record.
    with torch.no_grad():
        w -= lr * w.grad
    # backward() adds into .grad: reset it.
    w.grad.zero_()
    if step <= 3 or step % 10 == 0:
        print(f"step {step}: w = {w:.6f}")

print("w.is_leaf:", w.is_leaf)
print("w.requires_grad:", w.requires_grad)
