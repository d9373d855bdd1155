import torch

x = torch.tensor(2.0, requires_grad=True)

with torch.inference_mode():
    c = x * 3

# A clone made outside inference mode is a
# normal tensor, so autograd may save it.
c = c.clone()
print("is_inference(c):", torch.is_inference(c))

y = x * c
y.backward()
print("dy/dx with c a constant:", x.grad)
