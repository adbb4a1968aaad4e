"""One module per analyzer; ``biolake.insights.registry`` lists them."""
