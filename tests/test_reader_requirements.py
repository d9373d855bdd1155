"""requirements-reader.txt: what a reader installs to run the examples, pinned as the build is.

The home page points readers to it (and spells the same pins out in its pip line); both must
agree with requirements.txt, which the site is built and tested with.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER_PACKAGES = {"torch", "numpy", "matplotlib"}
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_reader_file_pins_exactly_the_builds_torch_numpy_and_matplotlib():
    build = pins(ROOT / "requirements.txt")
    reader_file = ROOT / "requirements-reader.txt"
    lines = [line.split("#", 1)[0].strip() for line in reader_file.read_text(encoding="utf-8").splitlines()]
    requirements = [line for line in lines if line]
    assert all(PIN.match(line) for line in requirements), f"every line of {reader_file.name} is an exact pin"
    reader = pins(reader_file)
    assert set(reader) == READER_PACKAGES
    assert reader == {name: build[name] for name in READER_PACKAGES}


def test_home_page_installs_the_reader_pins():
    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "pip install -r requirements-reader.txt" in home
    assert "pip install -r requirements.txt" not in home  # the build and test tools are not for readers
    spelled_out = [line for line in home.splitlines() if line.startswith("pip install ") and "==" in line]
    assert spelled_out, "the home page's pip line without cloning"
    for line in spelled_out:
        named = dict(pin.split("==") for pin in line.removeprefix("pip install ").split())
        assert named == pins(ROOT / "requirements-reader.txt")
