"""Batch scoring of a folder: every workbook in isolated worker processes, one scored copy each,
results.jsonl, skipped.jsonl and the 汇总.xlsx summary.

The modules, in the order a run goes through them: ``scan`` (which files, why one is skipped,
the tool's own outputs, the scored copies' names), ``run`` (the entry: run_batch, the lock,
results.jsonl and skipped.jsonl), ``pool`` (worker processes, per-file deadlines, crashes,
the memory limit), ``work`` (one file inside a worker), ``summary`` (汇总.xlsx) and ``report``
(the run's outcomes, shared by run and summary). The inbox around it: ``state`` (the output
folder's state file: what an incremental rerun reuses), ``dupes`` (resubmissions), ``roster``
(who has not submitted), ``extras`` (what they hand to the summary) and ``watch`` (perf-xlsx
watch: an incremental run as each file arrives). Nothing is imported here, so that
``import perf_xlsx`` loads no batch module.
"""
