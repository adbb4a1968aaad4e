"""The gold layer: biolake's dbt project run against the lake, and the data-quality gate."""
