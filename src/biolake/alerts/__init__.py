"""Alerts: rules evaluated on gold (and silver glucose); each fires once per condition episode."""
