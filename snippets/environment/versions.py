import platform

import torch

print("Python:", platform.python_version())
print("torch:", torch.__version__)
