"""Bibliographic files sent from the staff pages, queued for the scheduler to import."""
