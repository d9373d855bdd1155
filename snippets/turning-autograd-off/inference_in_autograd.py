import torch

x = torch.tensor(2.0, requires_grad=True)

with torch.inference_mode():
    c = x * 3

print("is_inference(c):", torch.is_inference(c))

# x * c must save c for backward: refused.
y = x * c
