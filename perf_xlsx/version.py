"""The package version: one place, read by the package root and by the writers that stamp it
into their outputs (so they need not import the package root)."""

__version__ = "0.1.0"
