"""Writing: the scored copy of a user's workbook and the standard template."""
