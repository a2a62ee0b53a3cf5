"""Fixtures of the example tests (their helpers are in support.py)."""
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def scratch():
    """A fresh directory maker. Not pytest's tmp_path: that lives under a 0700 directory, and the
    sandbox's unprivileged user must be able to reach the bundles under serve's data directory."""
    root = Path(tempfile.mkdtemp(prefix="marina-examples-"))
    root.chmod(0o755)
    count = iter(range(1_000_000))

    def make(name):
        path = root / f"{name}-{next(count)}"
        path.mkdir(mode=0o755)
        return path

    yield make
    shutil.rmtree(root, ignore_errors=True)
