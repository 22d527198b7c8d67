"""What the benchmarks share: the package byte-compiled before it is timed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def compile_package(package: Path) -> None:
    """Byte-compile the package first, as `pip install` does for an installed one: without the
    .pyc files (a checkout run with PYTHONDONTWRITEBYTECODE=1, as on this machine) every
    `python -m perf_xlsx` recompiles all its modules, about 0.25 s that no user's run pays."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, stdout=subprocess.DEVNULL)
