"""The lake on disk: content-addressed bronze files, bronze/silver Parquet, the DuckDB catalog."""
