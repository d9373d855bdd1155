import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build package (sitebuild)
sys.path.insert(0, str(ROOT / "tests"))  # `from helpers import ...`
