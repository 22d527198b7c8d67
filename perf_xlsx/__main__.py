from perf_xlsx.cli.commands import main

main()
