"""Insights: statistical analyzers over the gold marts, correlation discovery, experiments and what-if.

Every analyzer follows :class:`biolake.insights.base.Analyzer`; ``registry.run_insights`` runs them into
the JSON documented in ``docs/insights.md``."""
