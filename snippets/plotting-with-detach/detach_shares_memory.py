import torch

x = torch.tensor([1.0, 2.0, 3.0],
                 requires_grad=True)
d = x.detach()
same = d.data_ptr() == x.data_ptr()
print("same memory:", same)

# change d in place, then look at x
d.add_(10)
print("d:", d)
print("x:", x)
