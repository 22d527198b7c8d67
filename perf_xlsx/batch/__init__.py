"""Batch scoring of a folder: scan, isolated worker processes, results.jsonl and 汇总.xlsx."""
