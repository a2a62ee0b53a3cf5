"""Fixtures of the attack suite (its helpers are in harness.py)."""
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def scratch():
    """A fresh directory maker under /tmp. Not pytest's tmp_path: that lives under a 0700
    directory, and the sandbox's unprivileged user must be able to reach the bundles under
    serve's data directory. Paths stay short: an instance's socket path must fit in 108 bytes."""
    root = Path(tempfile.mkdtemp(prefix="marina-attack-"))
    root.chmod(0o755)
    count = iter(range(1_000_000))

    def make(name):
        path = root / f"{name}{next(count)}"
        path.mkdir(mode=0o755)
        return path

    yield make
    shutil.rmtree(root, ignore_errors=True)
