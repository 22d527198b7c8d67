"""The ``perf-xlsx`` command line (the only part of the package that knows click)."""

from perf_xlsx.cli.commands import cli, main

__all__ = ["cli", "main"]
