"""``biolake run``: the daily pipeline as named steps, each recorded in ``pipeline_runs``."""
