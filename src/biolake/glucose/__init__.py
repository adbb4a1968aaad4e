"""Glycemic analytics: iglu's CGM metric catalogue, episodes, AGP and meal responses, vectorized.

Modules: ``readings`` (data), ``grid`` (regular grid), ``metrics`` / ``variability`` / ``mage`` /
``episodes`` (the catalogue), ``summary`` (one record per subject), ``targets`` (consensus targets per
period), ``agp``, ``meals``, ``marts`` (the gold tables). See docs/glucose.md.
"""
