"""The query language, read into a small engine-neutral tree.

Plain words must all match; ``"a phrase"`` (or « une expression », “a phrase”);
``-word`` or ``NOT word`` excludes; ``OR`` (or ``OU``) between clauses; parentheses
group; ``titre:``, ``auteur:``, ``sujet:``, ``isbn:``, ``cote:`` (and English
``title:``, ``author:``, ``subject:``) restrict a word, a phrase or a group to a field;
``polit*`` is a prefix; ``annee:2010-2020``, ``2010..2020``, ``annee:2015`` restrict
years.

Reading never fails: an unknown prefix is read as words, an unclosed quote as words,
a missing parenthesis as closed at the end, a stray one as absent, a lone ``*`` or
``-`` as nothing. Input is bounded (:data:`MAX_CHARS`, :data:`MAX_CLAUSES`) so a pasted
page cannot make a query expensive, and so is nesting (:data:`MAX_DEPTH`): the reader
descends one Python frame per parenthesis and per ``NOT``, and 1,000 characters of
``((((`` or ``----`` used to reach the interpreter's recursion limit (a RecursionError,
the search run as plain words, a traceback in the log). Past the limit a parenthesis
or a ``NOT`` is read as absent; ``--x`` is ``x`` at any depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexes.analysis import WORD, fold, simplify, stems
from indexes.schema import FIELD_PREFIXES, IDENTIFIERS, YEAR_PREFIXES

MAX_CHARS = 1000
MAX_CLAUSES = 32
#: Parentheses and NOTs inside one another that a query may hold.
MAX_DEPTH = 16
MIN_PREFIX = 3


@dataclass(frozen=True, slots=True)
class Word:
    """A word (or hyphenated compound) in ``field`` (None: everywhere)."""

    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must follow each other."""

    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Prefix:
    """Words beginning with ``text`` (expansion bounded by the engine)."""

    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Years:
    """Publication years in [low, high] (either end open)."""

    low: int | None
    high: int | None


@dataclass(frozen=True, slots=True)
class Not:
    """Records not matching ``node``."""

    node: Node


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one of ``nodes`` (OR)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every one of ``nodes`` (AND); an empty AllOf matches every record."""

    nodes: tuple[Node, ...]


Node = Word | Phrase | Prefix | Years | Not | AnyOf | AllOf

_TOKEN = re.compile(r'\s+|"[^"]*"?|[()]|[^\s()"]+')
_YEAR_SPAN = re.compile(r"^(\d{4})?(?:\.\.|-|–)(\d{4})?$")
_YEAR = re.compile(r"^\d{4}$")
_OR = frozenset({"OR", "OU", "|", "||"})
_AND = frozenset({"AND", "ET", "&", "&&", "+"})
_NOT = frozenset({"NOT", "SAUF"})
#: An ISBN, ISSN or similar number typed without a prefix: looked up as an identifier too.
_NUMBER = re.compile(r"^[0-9][0-9xX.\-]{6,20}$")
#: French guillemets and typographic quotes mark a phrase as ``"`` does: the search box's
#: hint says « guillemets » pour une expression, and a word processor or a phone's
#: keyboard types “ ” (they were read as plain words, so « politique de la ville »
#: found the records holding the four words anywhere).
_QUOTES = str.maketrans(dict.fromkeys("«»“”„‟", '"'))
_QUOTE_RUN = re.compile(r'""+')


def _years(text: str) -> Years | None:
    if _YEAR.match(text):
        return Years(int(text), int(text))
    match = _YEAR_SPAN.match(text)
    if match and (match.group(1) or match.group(2)):
        low, high = (int(g) if g else None for g in match.groups())
        if low is not None and high is not None and low > high:
            low, high = high, low
        return Years(low, high)
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        # Quotes side by side are one ("« x »" from the advanced form's phrase field).
        quoted = _QUOTE_RUN.sub('"', text[:MAX_CHARS].translate(_QUOTES))
        self.tokens: list[str] = [t for t in _TOKEN.findall(quoted) if not t.isspace()]
        self.pos = 0
        self.clauses = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        nodes: list[Node] = []
        while self.peek() is not None:
            node = self.any_of(None)
            if node is not None:
                nodes.append(node)
            if self.peek() == ")":  # a stray closing parenthesis: ignore it
                self.take()
        return nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))

    def any_of(self, field: str | None) -> Node | None:
        options = []
        first = self.all_of(field)
        if first is not None:
            options.append(first)
        while self.peek() in _OR:
            self.take()
            node = self.all_of(field)
            if node is not None:
                options.append(node)
        if not options:
            return None
        return options[0] if len(options) == 1 else AnyOf(tuple(options))

    def all_of(self, field: str | None) -> Node | None:
        nodes: list[Node] = []
        while (token := self.peek()) is not None and token != ")" and token not in _OR:
            if token in _AND:
                self.take()
                continue
            node = self.unary(field)
            if node is not None:
                nodes.append(node)
        if not nodes:
            return None
        return nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))

    def unary(self, field: str | None) -> Node | None:
        token = self.peek()
        if token in _NOT:
            self.take()
            if self.peek() in (None, ")") or self.depth >= MAX_DEPTH:
                return None
            return self._negated(field, 1)
        if token is not None and token.startswith("-") and len(token) > 1:
            rest = token.lstrip("-")
            if not rest:  # dashes only: no word
                self.take()
                return None
            self.tokens[self.pos] = rest
            return self._negated(field, len(token) - len(rest))
        return self.atom(field)

    def _negated(self, field: str | None, times: int) -> Node | None:
        """The clause at the current token, negated ``times`` times (twice is none)."""
        self.depth += 1
        try:
            node = self.unary(field)
        finally:
            self.depth -= 1
        return Not(node) if node is not None and times % 2 else node

    def atom(self, field: str | None) -> Node | None:
        token = self.take()
        if token == "(":
            if self.depth >= MAX_DEPTH:
                return None
            self.depth += 1
            try:
                node = self.any_of(field)
            finally:
                self.depth -= 1
            if self.peek() == ")":
                self.take()
            return node
        if token.startswith('"'):
            return self.phrase(token, field)
        if ":" in token and not token.startswith(":"):
            head, _, rest = token.partition(":")
            key = fold(head)
            if key in YEAR_PREFIXES:
                return _years(rest) or self.words(rest, field)
            if key in FIELD_PREFIXES:
                target = FIELD_PREFIXES[key]
                if rest:
                    return self.term(rest, target)
                following = self.peek()
                if following is not None and (following == "(" or following.startswith('"')):
                    return self.atom(target)
                return None
            return self.words(token, field)
        years = _years(token) if ".." in token else None
        return years or self.term(token, field)

    def phrase(self, token: str, field: str | None) -> Node | None:
        closed = len(token) > 1 and token.endswith('"')
        inner = (token[1:-1] if closed else token[1:]).strip()  # « expression »
        if not closed:
            return self.words(inner, field)
        if len(WORD.findall(inner)) < 2:
            return self.words(inner, field)
        if not self.count():
            return None
        return Phrase(inner, field)

    def term(self, text: str, field: str | None) -> Node | None:
        if text.endswith("*"):
            stem = text.rstrip("*")
            found = WORD.findall(stem)
            if len(found) == 1 and len(found[0]) >= MIN_PREFIX and self.count():
                return Prefix(found[0], field)
            return self.words(stem, field)
        return self.words(text, field)

    def words(self, text: str, field: str | None) -> Node | None:
        found = WORD.findall(text)
        if not found:
            return None
        if len(found) == 1 or _looks_like_identifier(text) and (
            field is not None or _NUMBER.match(text)
        ):
            return Word(text if len(found) > 1 or field else found[0], field) if self.count() else None
        nodes: list[Node] = [Word(w, field) for w in found if self.count()]
        if not nodes:
            return None
        return nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))

    def count(self) -> bool:
        self.clauses += 1
        return self.clauses <= MAX_CLAUSES


def _looks_like_identifier(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) >= 3


def parse(text: str) -> Node:
    """The query tree of ``text``; never raises (see the module docstring)."""
    return _Parser(text).parse()


def plain(text: str) -> Node:
    """``text`` read as plain words only: the fallback for a query that failed."""
    found = WORD.findall(text[:MAX_CHARS])[:MAX_CLAUSES]
    nodes: tuple[Node, ...] = tuple(Word(w) for w in found)
    return nodes[0] if len(nodes) == 1 else AllOf(nodes)


def marks(node: Node) -> tuple[frozenset[str], tuple[str, ...]]:
    """Stems and folded prefixes of the positive clauses: to highlight and to rank."""
    found: set[str] = set()
    prefixes: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Word | Phrase) and n.field != IDENTIFIERS:
            found.update(stems(n.text))
        elif isinstance(n, Prefix) and n.field != IDENTIFIERS:
            prefixes.append(fold(simplify(n.text)))
        elif isinstance(n, AllOf | AnyOf):
            for child in n.nodes:
                walk(child)

    walk(node)
    return frozenset(found), tuple(prefixes)


def widened(node: Node, fields: tuple[str, ...]) -> Node:
    """``node`` with each word and phrase searched everywhere also searched in ``fields``.

    How full text joins a search: ``rénovation urbaine`` means each word in the record
    *or* in the text of its documents the reader may download (the fields of their
    access levels). Prefixes stay on the record (they expand over its own lexicon).
    """
    if not fields:
        return node
    if isinstance(node, Word | Phrase) and node.field is None:
        kind = type(node)
        return AnyOf((node, *(kind(node.text, f) for f in fields)))
    if isinstance(node, Not):
        return Not(widened(node.node, fields))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(widened(n, fields) for n in node.nodes))
    if isinstance(node, AllOf):
        return AllOf(tuple(widened(n, fields) for n in node.nodes))
    return node
