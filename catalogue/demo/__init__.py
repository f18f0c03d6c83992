"""Demo data: a deterministic, realistic PMB UNIMARC export (see :mod:`.generator`), and a
partner centre's export sharing some of its books (see :mod:`.partner`)."""

from catalogue.demo.generator import generate, kind_at, main, record_at, write_export
from catalogue.demo.partner import generate_partner, write_partner_export
from catalogue.demo.vocabulary import AREAS, DESCRIPTORS, N_SERIALS

__all__ = ["AREAS", "DESCRIPTORS", "N_SERIALS", "generate", "generate_partner", "kind_at", "main",
           "record_at", "write_export", "write_partner_export"]
