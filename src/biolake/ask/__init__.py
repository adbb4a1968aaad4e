"""``biolake ask``: questions in plain words answered with safe SQL over gold, by Claude or offline."""
