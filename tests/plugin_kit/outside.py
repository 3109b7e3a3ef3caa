"""Running pytest on a plugin's own tests in a process of their own, as its author would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from houdini_pay.testing.databases import PREFIX_ENV


def run_pytest(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``pytest -rs`` in ``directory`` (its own ini file, this environment's packages)."""
    environ = {k: v for k, v in os.environ.items() if k != PREFIX_ENV}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", *arguments],
        cwd=directory,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
