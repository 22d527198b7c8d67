from perf_xlsx.cli import main

main()
