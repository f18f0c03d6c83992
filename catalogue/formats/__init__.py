"""Bibliographic formats: ISO 2709, UNIMARC, character sets."""
