import torch

# 2 is a Python int: the tensor is an integer.
print("dtype:", torch.tensor(2).dtype)

x = torch.tensor(2, requires_grad=True)
