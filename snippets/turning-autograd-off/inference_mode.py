import torch

x = torch.tensor(2.0, requires_grad=True)

with torch.no_grad():
    a = x * 3

with torch.inference_mode():
    b = x * 3

print("b.requires_grad:", b.requires_grad)
print("b.grad_fn:", b.grad_fn)
# Only b is marked as an inference tensor.
print("is_inference(b):", torch.is_inference(b))
print("is_inference(a):", torch.is_inference(a))
print("is_inference(x):", torch.is_inference(x))
