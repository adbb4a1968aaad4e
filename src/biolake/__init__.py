"""biolake: a local-first health-data lakehouse."""

__version__ = "0.1.0"
