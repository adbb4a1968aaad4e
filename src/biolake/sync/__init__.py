"""Mirror the lake to S3 (``biolake sync``), restore it from the mirror (``--pull``), register it in
Glue/Athena (``--athena``) and share pseudonymised or differentially private copies (``--share``)."""
