"""The demo dataset: a deterministic simulation of one or more people, written as the real export files
of Apple Health, Oura, Peloton, MyFitnessPal and Dexcom, then ingested (``biolake demo``).

``model`` simulates the latent physiology day by day, ``glucose`` the 5-minute CGM trace, ``timeline``
the calendar, time zones and the trip; one writer module per export format; ``run`` ties them together.
The planted relationships are documented in ``docs/demo.md``.
"""
