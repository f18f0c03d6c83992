"""What the desk says when it cannot do what was asked.

A :class:`Refusal` is not a bug: it is the answer the librarian (or the borrower, on the
public site) reads, in French, next to the field to correct. ``code`` lets a page tell a
harmless repeat (``already_yours``, ``already_renewed``: a form submitted twice) from a
real refusal, and lets tests assert the rule that fired without matching on wording.
"""

from __future__ import annotations

from catalogue.errors import FieldError


class Refusal(FieldError):
    """A refused desk operation; ``code`` says which, for the pages and the tests."""

    def __init__(self, message: str, *, code: str, field: str = "") -> None:
        super().__init__(message, field)
        self.code = code

    @property
    def repeat(self) -> bool:
        """The operation had already been done (a double submission): nothing to fix."""
        return self.code in {"already_yours", "already_renewed", "not_on_loan_returned"}
