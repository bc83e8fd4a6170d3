"""Hazard plugins used by the tests (not installed, registered by the tests themselves)."""
