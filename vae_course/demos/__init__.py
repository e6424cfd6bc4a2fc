"""Demonstrations of the lessons, one module per lesson topic (e.g. ``demos.networks``, lesson 07)."""
