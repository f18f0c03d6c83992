"""OAI-PMH error conditions, one class per protocol code.

Each error is answered with HTTP 200 and an ``<error code="...">`` element (OAI-PMH 2.0,
section 3.6). ``echo`` says whether the response's ``<request>`` element may repeat the
request's arguments: the specification forbids it after ``badVerb`` and ``badArgument``,
whose arguments are by definition not all valid.
"""

from __future__ import annotations


class OaiError(Exception):
    """A protocol error: ``code`` is what harvesters dispatch on, the message what people read."""

    code = "badArgument"
    echo = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadVerb(OaiError):
    """The verb is missing, repeated or not one of the six."""

    code = "badVerb"
    echo = False


class BadArgument(OaiError):
    """An illegal, missing, repeated or malformed argument."""

    code = "badArgument"
    echo = False


class BadResumptionToken(OaiError):
    """The token is forged, damaged, expired or was issued for another verb."""

    code = "badResumptionToken"


class CannotDisseminateFormat(OaiError):
    """The metadataPrefix is not one this repository (or this item) offers."""

    code = "cannotDisseminateFormat"


class IdDoesNotExist(OaiError):
    """The identifier is unknown or not exposed by this repository."""

    code = "idDoesNotExist"


class NoRecordsMatch(OaiError):
    """The combination of set, from and until selects nothing."""

    code = "noRecordsMatch"


class NoMetadataFormats(OaiError):
    """The item has no format to be disseminated in."""

    code = "noMetadataFormats"


class NoSetHierarchy(OaiError):
    """The repository is configured without sets."""

    code = "noSetHierarchy"


def printable(value: str, limit: int = 80) -> str:
    """``value`` made safe to quote in an error message: no control characters, bounded.

    Error messages quote what the harvester sent; a parameter may hold anything (NUL
    bytes, megabytes of text) and XML cannot carry control characters.
    """
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in value[: limit + 1])
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(value) <= limit else text[:limit] + "..."
