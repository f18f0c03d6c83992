"""The one shape of an error a person can act on: a French message and the form field.

Accounts, DSI profiles and the lending desk each raise their own subclass (so callers
catch what they expect), and pages show ``message`` next to ``field`` the same way.
"""

from __future__ import annotations


class FieldError(Exception):
    """A refusal a form can show: ``message`` is French, ``field`` names the field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
