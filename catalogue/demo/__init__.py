"""Demo data: a deterministic, realistic PMB UNIMARC export (see :mod:`.generator`)."""

from catalogue.demo.generator import generate, main, record_at, write_export
from catalogue.demo.vocabulary import AREAS, DESCRIPTORS, N_SERIALS

__all__ = ["AREAS", "DESCRIPTORS", "N_SERIALS", "generate", "main", "record_at", "write_export"]
