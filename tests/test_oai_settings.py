"""config.toml's [oai] keys, the secret key's life, and `catalogue serve`."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from catalogue.settings import SettingsError, load
from catalogue.web.secret import secret_key
from tests.stores import store_url

BASE = """
[catalogue]
name = "Centre"
base_url = "http://127.0.0.1:{port}"
data_dir = "var"

[store]
url = "{store}"

[[sources]]
slug = "crpv"
name = "CRPV"

[[sources]]
slug = "partner"
name = "Partner"
redistribute = true
"""


def write(tmp_path: Path, extra: str, port: int = 5000) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE.format(port=port, store=store_url(tmp_path, "c")) + extra,
                    encoding="utf-8")
    return path


def test_oai_keys_are_read_with_their_defaults(tmp_path: Path) -> None:
    settings = load(write(tmp_path, ""), env={})
    oai = settings.oai
    assert (oai.page_size, oai.token_ttl_hours, oai.include_items, oai.set_hierarchy) == (100, 24, True, True)
    assert oai.local_source == "crpv" and oai.repository_name == "Centre"
    settings = load(write(tmp_path, """
[oai]
repository_name = "Catalogue CRPV"
repository_identifier = "crpv.example.fr"
admin_emails = ["a@crpv.example.fr", "b@crpv.example.fr"]
page_size = 250
token_ttl_hours = 72
include_items = false
local_source = "crpv"

[[oai.sets]]
slug = "prevention"
name = "Prévention"
terms = ["prévention", "délinquance"]
fields = ["descriptors", "title"]
"""), env={})
    oai = settings.oai
    assert oai.repository_identifier == "crpv.example.fr" and oai.page_size == 250
    assert oai.admin_emails == ("a@crpv.example.fr", "b@crpv.example.fr")
    assert not oai.include_items and oai.token_ttl_hours == 72
    assert oai.selections[0].fields == ("descriptors", "title")


@pytest.mark.parametrize(("extra", "key"), [
    ('[oai]\nrepository_identifier = "crpv"', "oai.repository_identifier"),
    ('[oai]\nrepository_identifier = "1crpv.fr"', "oai.repository_identifier"),
    ('[oai]\nadmin_emails = ["nobody"]', "oai.admin_emails"),
    ('[oai]\nadmin_emails = "a@b.fr"', "oai.admin_emails"),
    ("[oai]\npage_size = 0", "oai.page_size"),
    ("[oai]\ntoken_ttl_hours = 1", "oai.token_ttl_hours"),
    ('[oai]\nlocal_source = "elsewhere"', "oai.local_source"),
    ('[oai]\ninclude_items = "yes"', "oai.include_items"),
    ('[[oai.sets]]\nslug = "x"\nname = "X"', "oai.sets[0].terms"),
    ('[[oai.sets]]\nslug = "Bad Slug"\nterms = ["a"]', "oai.sets[0].slug"),
    ('[[oai.sets]]\nslug = "x"\nterms = ["a"]\nfields = ["isbn"]', "oai.sets[0].fields"),
    ('[[oai.sets]]\nslug = "x"\nterms = ["a"]\n[[oai.sets]]\nslug = "x"\nterms = ["b"]',
     "oai.sets[1].slug"),
])
def test_bad_oai_keys_are_named(tmp_path: Path, extra: str, key: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(f"key '{key}'")):
        load(write(tmp_path, extra), env={})


def test_secret_key_comes_from_the_environment_else_a_private_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert secret_key(load(path, env={"CATALOGUE_SECRET_KEY": "from-env"})) == "from-env"
    settings = load(path, env={})
    first = secret_key(settings)
    kept = settings.data_dir / "secret_key"
    assert len(first) >= 40 and kept.read_text().strip() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert secret_key(load(path, env={})) == first  # a restart keeps tokens valid


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_catalogue_serve_answers_oai_with_waitress(tmp_path: Path) -> None:
    port = free_port()
    config = write(tmp_path, '[oai]\nrepository_identifier = "crpv.example.fr"\n', port)
    env = {k: v for k, v in os.environ.items() if k != "CATALOGUE_SECRET_KEY"}
    (response,) = _serve_and_get(config, port, env, ["/oai?verb=Identify"])
    assert response.status_code == 200
    assert b"<repositoryIdentifier>crpv.example.fr</repositoryIdentifier>" in response.content
    assert f"http://127.0.0.1:{port}/oai".encode() in response.content
    assert response.headers["Server"] == "catalogue"
    assert (tmp_path / "var" / "secret_key").exists()


def _serve_and_get(config: Path, port: int, env: dict[str, str],
                   paths: list[str]) -> list[requests.Response]:
    cli = Path(sys.executable).with_name("catalogue")
    process = subprocess.Popen([str(cli), "--config", str(config), "serve", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # Bounded by time, not tries: a loaded machine (parallel test workers) can take
        # more than ten seconds to import the app; a server that stopped fails at once.
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode("utf-8", "replace") if process.stdout else ""
                pytest.fail(f"catalogue serve stopped ({process.returncode}): {output[-2000:]}")
            try:
                requests.get(f"http://127.0.0.1:{port}/oai", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("catalogue serve did not start within 90 s")
                time.sleep(0.1)
        return [requests.get(f"http://127.0.0.1:{port}{path}", timeout=10) for path in paths]
    finally:
        process.terminate()
        process.wait(10)


def test_without_base_url_the_app_announces_the_address_it_is_served_on(tmp_path: Path) -> None:
    port = free_port()
    config = write(tmp_path, '[oai]\nrepository_identifier = "crpv.example.fr"\n')
    config.write_text(config.read_text(encoding="utf-8").replace(
        'base_url = "http://127.0.0.1:5000"\n', ""), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOGUE_")}
    identify, opensearch = _serve_and_get(config, port, env,
                                          ["/oai?verb=Identify", "/opensearch.xml"])
    here = f"http://127.0.0.1:{port}"
    assert f"<baseURL>{here}/oai</baseURL>".encode() in identify.content
    assert f'template="{here}/recherche?'.encode() in opensearch.content
    assert b"127.0.0.1:5000" not in identify.content + opensearch.content
    # $CATALOGUE_BASE_URL (what `make run` sets for the app, the scheduler and the sink)...
    port = free_port()
    (identify,) = _serve_and_get(config, port, {**env, "CATALOGUE_BASE_URL": f"{here}x"},
                                 ["/oai?verb=Identify"])
    assert f"<baseURL>{here}x/oai</baseURL>".encode() in identify.content
    # ...and a base_url in config.toml, for a deployment behind a proxy, wins.
    proxied = write(tmp_path, "").read_text(encoding="utf-8").replace(
        'base_url = "http://127.0.0.1:5000"', 'base_url = "https://catalogue.example.fr"')
    config.write_text(proxied, encoding="utf-8")
    assert load(config, env={"CATALOGUE_BASE_URL": "http://elsewhere:1"}).base_url == \
        "https://catalogue.example.fr"
    port = free_port()
    (identify,) = _serve_and_get(config, port, env, ["/oai?verb=Identify"])
    assert b"<baseURL>https://catalogue.example.fr/oai</baseURL>" in identify.content


def test_the_smtp_port_follows_the_environment(tmp_path: Path) -> None:
    config = write(tmp_path, "[mail]\nport = 8025\n")
    assert load(config, env={}).mail.port == 8025
    assert load(config, env={"CATALOGUE_SMTP_PORT": "40123"}).mail.port == 40123
    with pytest.raises(SettingsError, match="CATALOGUE_SMTP_PORT='x'"):
        load(config, env={"CATALOGUE_SMTP_PORT": "x"})
