"""Shared documentary catalogue: records, formats, store."""
