"""Test suite of the catalogue."""
