"""Reading: a workbook's bytes (xlsx by its zip parts, xls/ods through python-calamine in a
sandbox) into a cell grid, and the grid into the model by the tables' labels. Nothing here
scores or writes.

The modules, in the order a file goes through them: ``sniff`` (what kind of file),
``zipbook`` (the zip container under its safety limits), ``source`` (one input held open
once for the own-output check, the reader and the writer), ``numfmt`` (percent and date styles),
``grid`` (the cell grid of an .xlsx) or ``legacy`` (of an .xls/.ods, in a sandbox); then
``reader`` (the entry: grid → WorkbookModel), ``labels`` (finding labels), ``project`` (a
sheet's tables: heading, funds, goal), ``indicators`` (the indicator block), ``department``
(部门整体 tables: kind, unit, rubric columns), ``dept_funds`` (their funds block and its
breakdowns), ``tasks`` (their 年度主要任务), ``unit_list`` (the 项目清单). ``errors`` holds GridError.
"""
