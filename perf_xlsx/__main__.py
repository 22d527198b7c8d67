"""``python -m perf_xlsx``: the perf-xlsx command line, as the console script runs it."""

from perf_xlsx.cli.commands import main

main()
