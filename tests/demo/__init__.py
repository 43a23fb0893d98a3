"""The demo data, seeded once for the package (conftest.py)."""
