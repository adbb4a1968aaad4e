"""``python -m biolake``."""

from biolake.cli.app import main

main()
