"""The ``biolake`` command line: thin wrappers over library functions."""
