"""``catalogue harvest``: one clear error per bad source, the others still harvested."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.harvesting import harvest_reports
from catalogue.settings import SettingsError, load
from tests.harvest_servers import PartnerRepository, PyoaiServer, ReplayServer, demo_records
from tests.harvest_support import deployment, partner, stored


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def repo() -> PartnerRepository:
    repository = PartnerRepository()
    for record in demo_records(12):
        repository.put(record, past=True)
    return repository


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "harvest", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_bad_sources_fail_alone(tmp_path: Path, repo: PartnerRepository) -> None:
    html = ReplayServer({"*": [(200, b"<html><body>Welcome to our library</body></html>")]})
    with PyoaiServer(repo, page_size=5) as good, html:
        partners = "\n".join([
            partner("down", f"http://127.0.0.1:{closed_port()}/oai"),
            partner("web", html.url),
            partner("weird", good.url, metadata_prefix="datacite"),
            partner("unserved", good.url, metadata_prefix="marc21"),
            partner("good", good.url),
        ])
        config, settings, engine = deployment(tmp_path, partners)
        # a fast retry policy: the closed port is retried, but without waiting long
        text = config.read_text().replace("backoff_seconds = 1", "backoff_seconds = 0")
        config.write_text(text)
        code, out, err = run(config, "nosuch", "down", "web", "weird", "unserved", "good")
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 5, err
    assert "unknown source 'nosuch'" in lines[0]
    assert "cannot reach http://127.0.0.1:" in lines[1] and "after 4 attempts" in lines[1]
    assert "is not an OAI-PMH endpoint" in lines[2]
    assert "metadata format 'datacite' is not supported" in lines[3]
    assert "does not serve metadata format 'marc21'" in lines[4]
    assert "good: completed - pages 3, added 12" in out
    assert len(stored(engine, "good")) == 12
    statuses = {r.source: r.status for r in harvest_reports(engine)}
    assert statuses == {"down": "failed", "web": "failed", "weird": "failed",
                        "unserved": "failed", "good": "completed"}


def test_all_and_from_and_usage(tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=5) as server:
        config, _, engine = deployment(tmp_path, partner("p1", server.url))
        code, out, err = run(config, "--all")
        assert code == 0, err
        assert "p1: completed" in out and "page 3" in err
        code, out, err = run(config, "p1", "--from", "2999-01-01")
        assert code == 0 and "added 0" in out and "(from 2999-01-01T00:00:00Z)" in out
        assert server.requests[-1]["from"] == "2999-01-01T00:00:00Z"
        assert "still starts from" in out  # a later --from never moves the watermark
        code, out, err = run(config, "p1", "--from", "yesterday")
        assert code == 2 and "--from" in err
        code, out, err = run(config)
        assert code == 2 and "--all" in err
        code, out, err = run(config, "crpv")
        assert code == 2 and "file source without a folder" in err


@pytest.mark.parametrize(("keys", "message"), [
    ('url = "ftp://x"', "'sources[1].url' must be an http:// or https:// URL"),
    ('url = "http://x/oai"\nschedule = "every night"', "'sources[1].schedule' must be a crontab"),
    ('url = "http://x/oai"\nset = "a"\nsets = ["b"]', "'sources[1].sets' and 'set' are both"),
    ('url = "http://x/oai"\nsets = "a"', "'sources[1].sets' must be a list"),
    ('url = "http://x/oai"\nmetadata_prefix = "oai dc"', "'sources[1].metadata_prefix'"),
    ('folder = 3', "'sources[1].folder' must be a string"),
])
def test_harvest_keys_are_validated(tmp_path: Path, keys: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[[sources]]\nslug = "a"\n[[sources]]\nslug = "b"\nkind = "oai"\n{keys}\n',
                    encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace("[", r"\[")
                       .replace("]", r"\]").replace(".", r"\.").replace("*", r"\*")):
        load(path)


def test_harvest_table_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[harvest]\nattempts = 0\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"'harvest\.attempts' must be between 1 and 20"):
        load(path)
    path.write_text('[harvest]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"'harvest\.timezone'"):
        load(path)
