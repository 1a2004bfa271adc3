"""Fault injection: the desk and its services killed, starved and slowed down mid-shift."""
