"""Command groups of the ``catalogue`` command that live outside ``catalogue.cli``."""
