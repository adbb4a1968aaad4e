"""Reports: the weekly report (HTML and PDF) built from gold, one pluggable section at a time."""
