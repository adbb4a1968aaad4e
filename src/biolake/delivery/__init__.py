"""Delivery: send briefings, alerts and reports through the channels configured in ``[delivery]``."""
