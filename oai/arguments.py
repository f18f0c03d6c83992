"""Request arguments: which verb, which arguments, and which of them may be echoed.

Checked here, before any verb runs: the verb (missing, repeated, unknown: badVerb),
then each argument (unknown to the verb, repeated, missing, or given beside an
exclusive resumptionToken: badArgument). Values are checked by the verbs, which know
what they mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from oai import datestamps
from oai.errors import BadArgument, BadVerb, printable

_LIST = ("metadataPrefix", "from", "until", "set")
#: verb -> (required, optional, exclusive)
VERBS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
    "ListIdentifiers": (("metadataPrefix",), _LIST[1:], "resumptionToken"),
    "ListRecords": (("metadataPrefix",), _LIST[1:], "resumptionToken"),
}

# What OAI-PMH.xsd lets the <request> element's attributes hold.
_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")
_SET = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
_URI = re.compile(r"[!#-;=?-\[\]_a-z~%]+\Z")  # printable ASCII, no spaces, quotes or <>\^`{|}
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ECHO_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Request:
    """A request whose verb and argument names are valid."""

    verb: str
    args: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The argument's value, or None."""
        return self.args.get(name)


def parse(params: Mapping[str, Sequence[str]]) -> Request:
    """Check the verb and the argument names of a request.

    Raises:
        BadVerb: no verb, a repeated verb, or not an OAI-PMH verb.
        BadArgument: an argument the verb does not take, a repeated one, a missing
            required one, or others beside resumptionToken.
    """
    verbs = list(params.get("verb", ()))
    if not verbs:
        raise BadVerb("the verb argument is missing")
    if len(verbs) > 1:
        raise BadVerb("the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise BadVerb(f"'{printable(verb)}' is not an OAI-PMH verb")
    required, optional, exclusive = VERBS[verb]
    allowed = {*required, *optional, *([exclusive] if exclusive else [])}
    args: dict[str, str] = {}
    for name, values in params.items():
        if name == "verb":
            continue
        if name not in allowed:
            raise BadArgument(f"'{printable(name)}' is not an argument of {verb}")
        values = list(values)
        if len(values) != 1:
            raise BadArgument(f"the argument '{name}' is repeated")
        args[name] = values[0]
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise BadArgument(f"{exclusive} is an exclusive argument: nothing but the verb may "
                              "come with it")
        return Request(verb, args)
    missing = [name for name in required if name not in args]
    if missing:
        raise BadArgument(f"{verb} requires the argument '{missing[0]}'")
    return Request(verb, args)


def echoable(request: Request) -> dict[str, str]:
    """The arguments the response's ``<request>`` element can repeat.

    Only those whose value fits the attribute's type in OAI-PMH.xsd: a response must stay
    valid whatever the harvester sent.
    """
    out = {"verb": request.verb}
    for name, value in request.args.items():
        if len(value) > _ECHO_LIMIT:
            continue
        if name == "metadataPrefix":
            ok = bool(_PREFIX.match(value))
        elif name == "set":
            ok = bool(_SET.match(value))
        elif name in ("from", "until"):
            ok = _is_date(name, value)
        elif name in ("identifier", "resumptionToken"):
            ok = bool(_URI.match(value)) and not _STRAY_PERCENT.search(value)
        else:
            ok = False
        if ok:
            out[name] = value
    return out


def _is_date(name: str, value: str) -> bool:
    try:
        datestamps.parse(name, value)
    except BadArgument:
        return False
    return True
