"""The ``[documents]`` table: defaults, paths, bounds, unknown keys, the shipped config.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.settings import SettingsError, load

REPO = Path(__file__).resolve().parents[1]
BASE = '[catalogue]\ndata_dir = "var"\n[[sources]]\nslug = "crpv"\n'


def _load(tmp_path: Path, table: str) -> object:
    path = tmp_path / "config.toml"
    path.write_text(BASE + "[documents]\n" + table, encoding="utf-8")
    return load(path, env={}).documents


def test_defaults_and_paths(tmp_path: Path) -> None:
    docs = _load(tmp_path, "")
    assert docs.access == "readers" and docs.max_upload_mb == 100  # type: ignore[attr-defined]
    assert docs.dir == (tmp_path / "var" / "documents").resolve()  # type: ignore[attr-defined]
    set_ = _load(tmp_path, 'dir = "fichiers"\nfolder = "depot"\naccess = "public"\n'
                           'pmb_url = "https://pmb.example.fr/"\n')
    assert set_.dir == (tmp_path / "fichiers").resolve()  # type: ignore[attr-defined]
    assert set_.folder == (tmp_path / "depot").resolve()  # type: ignore[attr-defined]
    assert set_.access == "public"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("table", "said"), [
    ('access = "tous"', "documents.access"),
    ("max_upload_mb = 0", "documents.max_upload_mb"),
    ("extraction_memory_mb = 10", "documents.extraction_memory_mb"),
    ('extraction_seconds = "60"', "documents.extraction_seconds"),
    ('pmb_url = "ftp://pmb"', "documents.pmb_url"),
    ("acces = 'public'", "documents.acces"),
    ('schedule = "tous les jours"', "documents.schedule"),
    ('schedule = "*/15 * * * *"', "documents.schedule"),  # without a folder
])
def test_bad_values_name_their_key(tmp_path: Path, table: str, said: str) -> None:
    with pytest.raises(SettingsError, match=said.replace(".", r"\.")):
        _load(tmp_path, table + "\n")


def test_shipped_config_documents_every_key() -> None:
    settings = load(REPO / "config.toml", env={})
    assert settings.documents.access == "readers"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for key in ("dir", "access", "max_upload_mb", "extraction_seconds", "extraction_memory_mb",
                "max_pages", "folder", "schedule", "pmb_url"):
        assert f"`{key}`" in readme[readme.index("**`[documents]`**"):], key


def test_the_scheduler_reads_the_folder(tmp_path: Path) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from catalogue import scheduler
    from catalogue.store import database

    path = tmp_path / "config.toml"
    path.write_text(BASE + f'[store]\nurl = "sqlite:///{tmp_path}/s.db"\n[documents]\n'
                    'folder = "depot"\nschedule = "*/5 * * * *"\n', encoding="utf-8")
    settings = load(path, env={})
    engine = database.open_store(settings.store_url)
    sched = BackgroundScheduler()
    scheduler.add_documents_job(sched, settings, engine)
    job = sched.get_job("documents:folder")
    assert job is not None
    (tmp_path / "depot").mkdir()
    (tmp_path / "depot" / "orphelin.pdf").write_bytes(b"%PDF-1.4")
    job.func()
    assert (tmp_path / "depot" / "failed" / "orphelin.pdf.report.txt").is_file()
    engine.dispose()
