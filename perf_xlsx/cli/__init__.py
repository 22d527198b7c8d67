"""The ``perf-xlsx`` command line (the only part of the package that knows click).

``commands`` (the group and its five commands, main), ``chinese`` (click's usage, help and
errors in Chinese), ``render`` (what check, score and batch print).
"""

from perf_xlsx.cli.commands import cli, main

__all__ = ["cli", "main"]
