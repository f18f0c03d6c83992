"""config.toml -> frozen settings, validated once at load.

The file is found by ``catalogue --config PATH``, else ``$CATALOGUE_CONFIG``, else
``./config.toml``. Relative paths inside it resolve against the file's own directory, so
a deployment can be moved as a folder. Secrets never live in the file: they come from the
environment (``CATALOGUE_SECRET_KEY``, ``CATALOGUE_SMTP_PASSWORD``). Every problem is
reported as one :class:`SettingsError` naming the key, never as a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogue.covers.settings import CoverSettings, parse_covers
from catalogue.documents.settings import DocumentSettings, parse_documents
from catalogue.dsi.settings import DsiSettings, parse_dsi
from catalogue.formats.charsets import CHARSETS
from catalogue.lending.settings import CirculationSettings, parse_circulation
from catalogue.people.settings import AccountSettings, MailSettings, parse_accounts, parse_mail
from catalogue.questions.settings import QuestionSettings, parse_questions
from catalogue.toml_table import SettingsError, TomlTable
from catalogue.uploads.settings import UploadSettings, parse_uploads
from catalogue.veille.settings import VeilleSettings, parse_veille
from indexes.engine import ENGINES

_Table = TomlTable
#: What the app announces when neither config.toml nor the environment names its address.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
__all__ = ["SettingsError", "Settings", "load", "locate"]

ENV_CONFIG = "CATALOGUE_CONFIG"
FORMATS = ("auto", "unimarc", "marc21", "pmbxml", "marcxml", "dc")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: The oai-identifier scheme's repositoryIdentifier: a domain name (oai-identifier.xsd).
REPOSITORY_IDENTIFIER = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
#: Record fields a curated OAI selection can match terms in.
SELECTION_FIELDS = ("descriptors", "keywords", "title", "abstracts", "indexing")


@dataclass(frozen=True, slots=True)
class Source:
    """A catalogue we ingest: the centre's own PMB exports or a partner's."""

    slug: str
    name: str
    kind: str = "file"  # "file" (PMB exports) or "oai" (partner endpoint)
    format: str = "auto"
    encoding: str = "auto"
    redistribute: bool = False
    url: str = ""  # the partner's OAI-PMH base URL (or web site), named in OAI provenance
    sets: tuple[str, ...] = ()  # OAI setSpecs to harvest; empty: the whole repository
    metadata_prefix: str = ""  # OAI metadataPrefix; empty: the one matching ``format``
    schedule: str = ""  # crontab line (minute hour day month weekday) for `catalogue scheduler`
    folder: Path | None = None  # drop folder watched for this source's export files
    settle_seconds: int = 60  # a dropped file must keep its size and mtime this long
    full: bool = False  # every dropped file is the whole catalogue: absent records are deleted
    full_pattern: str = ""  # glob: dropped files named so are the whole catalogue
    reconcile_days: int | None = None  # this partner's own [harvest] reconcile_days
    repair_mojibake: bool = False  # UTF-8 read as Latin-1 upstream ("Â°"): repaired on import


@dataclass(frozen=True, slots=True)
class HarvestSettings:
    """The ``[harvest]`` table: how patient harvests are with partners."""

    timeout_seconds: int = 60
    attempts: int = 6
    backoff_seconds: float = 2.0
    max_delay_seconds: int = 300
    max_response_mb: int = 100
    overlap_seconds: int = 60
    max_restarts: int = 5
    workers: int = 1  # mapping processes beside the harvest (0: map in the harvest's process)
    reconcile_days: int = 7  # list the partner's identifiers this often to notice what left it
    reconcile_max_percent: int = 30  # a listing that would delete more than this deletes nothing
    timezone: str = "Europe/Paris"


@dataclass(frozen=True, slots=True)
class Selection:
    """A curated OAI set (``selection:<slug>``): records with any term in any field.

    A stand-in for "a named saved search becomes a set" until the search issue lands:
    terms match case- and accent-insensitively inside the listed record fields (see
    :data:`SELECTION_FIELDS`).
    """

    slug: str
    name: str
    terms: tuple[str, ...]
    fields: tuple[str, ...] = ("descriptors", "keywords")
    description: str = ""


@dataclass(frozen=True, slots=True)
class OaiSettings:
    """The ``[oai]`` table: how the OAI-PMH provider presents the catalogue."""

    repository_name: str = "Catalogue partagé"
    repository_identifier: str = "catalogue.invalid"
    admin_emails: tuple[str, ...] = ("admin@catalogue.invalid",)
    page_size: int = 100
    token_ttl_hours: int = 24
    include_items: bool = True
    local_source: str = ""
    set_hierarchy: bool = True
    selections: tuple[Selection, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """The ``[index]`` table: where the search index lives and how it is rebuilt."""

    dir: Path = Path("var/index")
    procs: int = 1  # writer processes of reindex and of updates of 10k+ records (one per core)
    update_after_import: bool = True  # imports and harvests update the index when they end
    availability_seconds: int = 10  # how often the scheduler re-indexes what the desk changed
    engine: str = "whoosh"  # whoosh (default, pure Python) or tantivy (large union catalogues)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The ``[web]`` table: what the public catalogue shows and how much it gives at once."""

    page_size: int = 20
    latest: int = 10  # latest acquisitions on the home page (0: none)
    max_results: int = 2000  # deepest result a visitor can page to (VuFind's result_limit)
    max_export: int = 500  # records in one export
    feed_size: int = 20  # entries of an Atom feed
    #: Item section (995$q) and location (996 location code, 995$a/$c) codes -> labels,
    #: for copies the export sent without their label (``[web.sections]``,
    #: ``[web.locations]``).
    sections: Mapping[str, str] = field(default_factory=dict)
    locations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the application reads from config.toml and the environment."""

    path: Path
    name: str
    base_url: str
    data_dir: Path
    store_url: str
    batch_size: int
    default_source: str
    sources: tuple[Source, ...]
    oai: OaiSettings = OaiSettings()
    harvest: HarvestSettings = HarvestSettings()
    index: IndexSettings = IndexSettings()
    web: WebSettings = WebSettings()
    mail: MailSettings = MailSettings()
    accounts: AccountSettings = AccountSettings()
    dsi: DsiSettings = DsiSettings()
    circulation: CirculationSettings = CirculationSettings()
    questions: QuestionSettings = QuestionSettings()
    veille: VeilleSettings = VeilleSettings()
    documents: DocumentSettings = DocumentSettings()
    covers: CoverSettings = CoverSettings()
    uploads: UploadSettings = UploadSettings()
    #: The whole parsed file, for parts that validate their own table (``[dsi]``...).
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: base_url came from config.toml or $CATALOGUE_BASE_URL; otherwise `catalogue serve`
    #: announces the address it listens on.
    base_url_fixed: bool = True
    secret_key: str = ""
    smtp_password: str = ""

    def source(self, slug: str) -> Source:
        """The configured source ``slug``.

        Raises:
            SettingsError: no such source, listing the configured ones.
        """
        for src in self.sources:
            if src.slug == slug:
                return src
        known = ", ".join(s.slug for s in self.sources) or "none"
        raise SettingsError(f"unknown source {slug!r} (sources in {self.path.name}: {known})")


def locate(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The configuration file to use: explicit path, else $CATALOGUE_CONFIG, else ./config.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    return Path("config.toml")


def _resolve_url(url: str, base: Path) -> str:
    """Make a relative SQLite path absolute against the config file's directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


def _sources(raw: Any, root: _Table) -> tuple[Source, ...]:
    path = root.path
    if not isinstance(raw, list):
        raise SettingsError(f"{path}: key 'sources' must be an array of tables ([[sources]])")
    seen: set[str] = set()
    out = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise SettingsError(f"{path}: key 'sources[{n}]' must be a table")
        t = root.child(entry, f"sources[{n}].")
        slug = t.get("slug", str)
        if not SLUG.match(slug):
            raise t._fail("slug", "must be lower-case letters, digits, '-' or '_' (max 40)")
        if slug in seen:
            raise t._fail("slug", f"repeats {slug!r}")
        seen.add(slug)
        out.append(
            Source(
                slug=slug,
                name=t.get("name", str, slug),
                kind=t.choice("kind", ("file", "oai"), "file"),
                format=t.choice("format", FORMATS, "auto"),
                encoding=t.choice("encoding", ("auto", *CHARSETS), "auto"),
                redistribute=t.get("redistribute", bool, False),
                url=t.get("url", str, ""),
                repair_mojibake=t.get("repair_mojibake", bool, False),
                **_harvest_keys(t, path.resolve().parent),
            )
        )
    return tuple(out)


def _harvest_keys(t: _Table, base: Path) -> dict[str, Any]:
    """The harvesting keys of one ``[[sources]]`` table (checked, not yet reached)."""
    url = t.get("url", str, "")
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise t._fail("url", f"must be an http:// or https:// URL (got {url!r})")
    if t.has("set") and t.has("sets"):
        raise t._fail("sets", "and 'set' are both given: use one")
    sets = (t.get("set", str),) if t.has("set") else _strings(t, "sets", ())
    prefix = t.get("metadata_prefix", str, "")
    if prefix and not re.match(r"^[A-Za-z0-9_.!~*'()-]+$", prefix):
        raise t._fail("metadata_prefix", f"is not a valid OAI metadataPrefix ({prefix!r})")
    schedule = t.get("schedule", str, "").strip()
    if schedule:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(schedule, timezone="UTC")
        except ValueError as exc:
            raise t._fail("schedule", f"must be a crontab line such as '30 2 * * *' ({exc})") from None
    folder = t.file_name("folder")
    settle = t.get("settle_seconds", int, 60)
    if not 0 <= settle <= 86_400:
        raise t._fail("settle_seconds", "must be between 0 and 86400")
    full, pattern = t.get("full", bool, False), t.get("full_pattern", str, "").strip()
    if (full or pattern) and not folder:
        raise t._fail("full" if full else "full_pattern",
                      "applies to drop-folder files: give the source a folder")
    reconcile = t.get("reconcile_days", int, None) if t.has("reconcile_days") else None
    if reconcile is not None and not 0 <= reconcile <= 366:
        raise t._fail("reconcile_days", "must be between 0 and 366")
    return {"sets": sets, "metadata_prefix": prefix, "schedule": schedule,
            "folder": (base / folder).resolve() if folder else None, "settle_seconds": settle,
            "full": full, "full_pattern": pattern, "reconcile_days": reconcile}


def _harvest(t: _Table) -> HarvestSettings:
    """The ``[harvest]`` table, each number within sane bounds."""
    bounds = {"timeout_seconds": (1, 3600), "attempts": (1, 20), "max_delay_seconds": (1, 86_400),
              "max_response_mb": (1, 4096), "overlap_seconds": (0, 86_400),
              "max_restarts": (0, 100), "workers": (0, 8), "reconcile_days": (0, 366),
              "reconcile_max_percent": (1, 100)}
    values: dict[str, Any] = {}
    defaults = HarvestSettings()
    for key, (low, high) in bounds.items():
        value = t.get(key, int, getattr(defaults, key))
        if not low <= value <= high:
            raise t._fail(key, f"must be between {low} and {high}")
        values[key] = value
    backoff = t.data.get("backoff_seconds", 2.0) if t.has("backoff_seconds") else 2.0
    if isinstance(backoff, bool) or not isinstance(backoff, int | float) or not 0 <= backoff <= 600:
        raise t._fail("backoff_seconds", f"must be a number of seconds from 0 to 600, got {backoff!r}")
    zone = t.get("timezone", str, "Europe/Paris")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        raise t._fail("timezone", f"is not a time zone name such as 'Europe/Paris' ({zone!r})") from None
    return HarvestSettings(backoff_seconds=float(backoff), timezone=zone, **values)


def _strings(t: _Table, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = t.get(key, list, list(default))
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise t._fail(key, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _selections(raw: Any, parent: _Table) -> tuple[Selection, ...]:
    path = parent.path
    if not isinstance(raw, list):
        raise SettingsError(f"{path}: key 'oai.sets' must be an array of tables ([[oai.sets]])")
    out: list[Selection] = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise SettingsError(f"{path}: key 'oai.sets[{n}]' must be a table")
        t = parent.child(entry, f"oai.sets[{n}].")
        slug = t.get("slug", str)
        if not SLUG.match(slug):
            raise t._fail("slug", "must be lower-case letters, digits, '-' or '_' (max 40)")
        if any(s.slug == slug for s in out):
            raise t._fail("slug", f"repeats {slug!r}")
        terms = _strings(t, "terms", ())
        if not terms:
            raise t._fail("terms", "must list at least one term")
        fields = _strings(t, "fields", ("descriptors", "keywords"))
        unknown = [f for f in fields if f not in SELECTION_FIELDS]
        if unknown or not fields:
            raise t._fail("fields", f"must name fields among {', '.join(SELECTION_FIELDS)}")
        out.append(Selection(slug=slug, name=t.get("name", str, slug), terms=terms,
                             fields=fields, description=t.get("description", str, "")))
    return tuple(out)


def _oai(t: _Table, name: str, local_source: str, sources: tuple[Source, ...],
         path: Path) -> OaiSettings:
    ident = t.get("repository_identifier", str, "catalogue.invalid")
    if not REPOSITORY_IDENTIFIER.match(ident):
        raise t._fail("repository_identifier",
                      f"must be a domain-like name such as 'crpv.example.fr' (got {ident!r})")
    emails = _strings(t, "admin_emails", (f"admin@{ident}",))
    bad = [e for e in emails if not EMAIL.match(e)]
    if bad or not emails:
        raise t._fail("admin_emails", f"must list e-mail addresses (bad: {', '.join(bad)})")
    page_size = t.get("page_size", int, 100)
    if not 1 <= page_size <= 1000:
        raise t._fail("page_size", "must be between 1 and 1000")
    ttl = t.get("token_ttl_hours", int, 24)
    if not 24 <= ttl <= 24 * 365:
        raise t._fail("token_ttl_hours", "must be between 24 (one day) and 8760 (a year)")
    local = t.get("local_source", str, local_source)
    if local and local not in {s.slug for s in sources}:
        raise t._fail("local_source", f"names no configured source ({local!r})")
    return OaiSettings(
        repository_name=t.get("repository_name", str, name),
        repository_identifier=ident,
        admin_emails=emails,
        page_size=page_size,
        token_ttl_hours=ttl,
        include_items=t.get("include_items", bool, True),
        local_source=local,
        set_hierarchy=t.get("set_hierarchy", bool, True),
        selections=_selections(t.data.get("sets", []) if t.has("sets") else [], t),
    )


def _index(t: _Table, base: Path, data_dir: Path) -> IndexSettings:
    """The ``[index]`` table; the directory defaults to DATA_DIR/index."""
    folder = t.file_name("dir")
    if folder and not folder.strip():
        raise t._fail("dir", "must name a directory")
    procs = t.get("procs", int, 1)
    if not 1 <= procs <= 16:
        raise t._fail("procs", "must be between 1 and 16")
    every = t.get("availability_seconds", int, 10)
    if not 1 <= every <= 3600:
        raise t._fail("availability_seconds", "must be between 1 and 3600")
    engine = t.get("engine", str, "whoosh")
    if engine not in ENGINES:
        raise t._fail("engine", f"must be one of: {', '.join(ENGINES)}")
    return IndexSettings(dir=(base / folder).resolve() if folder else data_dir / "index",
                         procs=procs, update_after_import=t.get("update_after_import", bool, True),
                         availability_seconds=every, engine=engine)


def _web(t: _Table) -> WebSettings:
    """The ``[web]`` table, each number within bounds a public server can afford."""
    bounds = {"page_size": (5, 100), "latest": (0, 50), "max_results": (100, 50_000),
              "max_export": (1, 5000), "feed_size": (1, 100)}
    values: dict[str, int] = {}
    defaults = WebSettings()
    for key, (low, high) in bounds.items():
        value = t.get(key, int, getattr(defaults, key))
        if not low <= value <= high:
            raise t._fail(key, f"must be between {low} and {high}")
        values[key] = value
    return WebSettings(**values, sections=_labels(t.table("sections")),
                       locations=_labels(t.table("locations")))


def _labels(t: _Table) -> dict[str, str]:
    """A table of code -> label (``a = "Adultes"``), each label one line of text."""
    labels: dict[str, str] = {}
    for code in list(t.data):
        label = t.get(code, str).strip()
        if not label or len(label) > 200 or "\n" in label or len(code) > 40:
            raise t._fail(code, "must be a label of 1 to 200 characters on one line")
        labels[code] = label
    return labels


def load(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration.

    Raises:
        SettingsError: the file is missing or unreadable, or a key is missing or invalid.
    """
    file = locate(path)
    environ = os.environ if env is None else env
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(
            f"configuration file not found: {file} (use --config PATH or ${ENV_CONFIG})"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{file}: cannot read the configuration: {exc}") from None
    base = file.resolve().parent
    root = _Table(data, "", file)
    cat = root.table("catalogue")
    store = root.table("store")
    imp = root.table("import")
    sources = _sources(data.get("sources", []) if root.has("sources") else [], root)
    data_dir = (base / cat.file_name("data_dir", "var")).resolve()
    default_source = imp.get("default_source", str, sources[0].slug if sources else "")
    batch = imp.get("batch_size", int, 500)
    if not 1 <= batch <= 100_000:
        raise imp._fail("batch_size", "must be between 1 and 100000")
    name = cat.get("name", str, "Catalogue partagé")
    configured_url = (cat.get("base_url", str, "").strip()
                      or environ.get("CATALOGUE_BASE_URL", "").strip())
    if configured_url and not re.match(r"^https?://[^\s/]+[^\s]*$", configured_url):
        raise cat._fail("base_url", f"must be an http:// or https:// URL (got {configured_url!r})")
    base_url = (configured_url or DEFAULT_BASE_URL).rstrip("/")
    oai = _oai(root.table("oai"), name, default_source, sources, file)
    settings = Settings(
        path=file,
        name=name,
        base_url=base_url,
        base_url_fixed=bool(configured_url),
        data_dir=data_dir,
        store_url=_resolve_url(store.file_name("url", "sqlite:///var/catalogue.db"), base),
        batch_size=batch,
        default_source=default_source,
        sources=sources,
        oai=oai,
        harvest=_harvest(root.table("harvest")),
        index=_index(root.table("index"), base, data_dir),
        web=_web(root.table("web")),
        mail=parse_mail(root.table("mail"), environ.get("CATALOGUE_SMTP_PASSWORD", ""), name,
                        environ.get("CATALOGUE_SMTP_PORT", "")),
        accounts=parse_accounts(root.table("accounts")),
        dsi=parse_dsi(root.table("dsi")),
        circulation=parse_circulation(root.table("circulation"), default_source),
        questions=parse_questions(root.table("questions")),
        veille=parse_veille(root.table("veille")),
        documents=parse_documents(root.table("documents"), base, data_dir),
        covers=parse_covers(root.table("covers"), base, data_dir),
        uploads=parse_uploads(imp),
        raw=data,
        secret_key=environ.get("CATALOGUE_SECRET_KEY", ""),
        smtp_password=environ.get("CATALOGUE_SMTP_PASSWORD", ""),
    )
    if default_source:
        try:
            settings.source(default_source)
        except SettingsError:
            raise imp._fail("default_source", f"names no configured source ({default_source!r})") from None
    root.check_known()
    return settings
