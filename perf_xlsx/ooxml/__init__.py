"""OOXML package surgery: parts, content types, relationships, styles, sheet editing and
building, comments, properties, the zip. Knows nothing of 自评表 or scores."""
