"""Reading: a workbook's bytes (xlsx by its zip parts, xls/ods through python-calamine in a
sandbox) into a cell grid, and the grid into the model by the tables' labels. Nothing here
scores or writes."""
