"""Writing: the scored copy of a user's workbook and the standard template.

The scored copy: ``scored`` (the entry: render_scored, write_scored, is_scored_output, safe
saving) runs the steps in order over one ``context`` (Build: the input package and what the
steps write, drop and note): ``strip`` (what a plain .xlsx cannot carry), ``look`` (the added
styles), ``annotate`` (核定得分 columns and marks in the user's sheets) with ``comments`` and
``print_area``, ``summary_sheet`` (汇总), ``detail_sheet`` (评分明细, from one column table),
``workbook_part`` (workbook.xml and its rels), ``output_tag`` (the perf_xlsx_output property).
The template: ``template`` (laying out and writing the sheets) from ``template_data`` (the
structure, data classes and seed example) and ``template_help`` (the 填报说明 text). Nothing is
imported here, so that ``import perf_xlsx`` loads no writer.
"""
