"""What the protocol core needs to know about the deployment, as one frozen value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from oai.formats import FORMATS, MetadataFormat


@dataclass(frozen=True, slots=True)
class OaiConfig:
    """Identify's facts and the paging policy.

    ``secret_key`` signs resumption tokens, so that a token needs no server-side
    storage and cannot be forged; ``formats`` maps each metadataPrefix offered to
    its writer. ``record_page`` gives the absolute URL of a record's page in the OPAC
    from its source and source id: every record served carries it (a ``dc:identifier``,
    an 856 $u), so that a partner's VuFind, Koha or PMB links back to it; None: no link.
    """

    repository_name: str
    base_url: str
    repository_identifier: str
    admin_emails: tuple[str, ...]
    secret_key: str
    local_source: str = ""
    page_size: int = 100
    token_ttl: timedelta = timedelta(hours=24)
    include_items: bool = True
    set_hierarchy: bool = True
    formats: dict[str, MetadataFormat] = field(default_factory=lambda: dict(FORMATS))
    record_page: Callable[[str, str], str] | None = None
