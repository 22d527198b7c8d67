"""The one exception of the OOXML layer: a package that cannot be carried into an output."""

from __future__ import annotations


class PartError(Exception):
    """The input package cannot be carried into an output; the message is Chinese."""
