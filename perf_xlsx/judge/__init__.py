"""Judging: scoring by a rules profile and the arithmetic and consistency checks, as pure
functions of the model; ``evaluate`` runs read → score → check for one input."""
