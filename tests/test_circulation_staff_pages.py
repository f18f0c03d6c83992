"""The desk's staff pages beyond lending through the real app: finding a borrower who
forgot their card, adding a copy by hand and changing a copy's state, importing
borrowers from a CSV file with a per-line report."""

from __future__ import annotations

import io
from typing import Any

import pytest

from catalogue.lending import audit
from catalogue.people import accounts
from tests.account_support import sign_in_with_link, sign_in_with_password
from tests.circulation_support import PASSWORD
from tests.desk_site import DeskSite, csrf


def librarian(site: DeskSite) -> Any:
    client = site.client()
    assert sign_in_with_password(client, site.world.librarian.email, PASSWORD).status_code == 303
    return client


def test_a_borrower_is_found_by_name_email_or_card(site: DeskSite) -> None:
    client = librarian(site)
    home = client.get("/guichet/").get_data(as_text=True)
    assert 'action="/guichet/emprunteurs"' in home and 'for="q"' in home
    one = client.get("/guichet/emprunteurs?q=martin")  # one match: straight to the screen
    assert one.status_code == 303 and one.headers["Location"].endswith("carte=C-ALICE")
    assert client.get("/guichet/emprunteurs?q=BOB@EXAMPLE").headers["Location"].endswith(
        "carte=C-BOB")
    many = client.get("/guichet/emprunteurs?q=c-").get_data(as_text=True)
    assert "6 emprunteur(s)" in many  # staff without a card are not borrowers
    assert many.index("Alice Martin") < many.index("Bob Durand")  # by name
    assert 'href="/guichet/emprunteur?carte=C-DAN"' in many and "suspendu" in many
    assert "inscription expirée" in many  # Eve
    assert "Léa Biblio" not in client.get("/guichet/emprunteurs?q=a").get_data(as_text=True)
    none = client.get("/guichet/emprunteurs?q=50%25").get_data(as_text=True)  # % literally
    assert "Aucun emprunteur pour « 50% »" in none
    anonymous = site.client().get("/guichet/emprunteurs?q=martin")
    assert anonymous.status_code == 302
    subscriber = site.client()
    sign_in_with_link(site.app, subscriber, site.world.people["alice"])
    assert subscriber.get("/guichet/emprunteurs?q=martin").status_code == 403


def test_a_copy_added_by_hand_is_lent_and_its_state_changed(site: DeskSite) -> None:
    client = librarian(site)
    page = client.get("/guichet/exemplaires/ajouter").get_data(as_text=True)
    assert '<option value="Centre de documentation">' in page and 'value="aa"' in page
    token = csrf(client, "/guichet/exemplaires/ajouter")
    form = {"csrf_token": token, "notice": "/notice/crpv/2", "code": "DON-1", "cote": "360 PRE",
            "localisation": "Espace partagé", "support": "aa", "section": "Adultes",
            "pretable": "oui"}
    done = client.post("/guichet/exemplaires/ajouter", data=form)
    assert done.status_code == 303
    assert "Exemplaire DON-1 ajouté à « Prévenir la délinquance des jeunes »" in client.get(
        done.headers["Location"]).get_data(as_text=True)
    again = client.post("/guichet/exemplaires/ajouter", data=form)  # submitted twice
    assert again.status_code == 422 and "déjà utilisé" in again.get_data(as_text=True)
    for bad, message in ({"notice": "crpv:999"}, "Notice introuvable"), \
            ({"notice": "partner:9", "code": "X9"}, "fonds prêté ici"), \
            ({"code": "C-ALICE"}, "déjà utilisé"), ({"code": " "}, "Indiquez un code-barres"):
        answer = client.post("/guichet/exemplaires/ajouter", data={**form, **bad})
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422 and message in text and 'aria-invalid="true"' in text
    onsite = client.post("/guichet/exemplaires/ajouter", data={**form, "code": "DON-2",
                                                              "pretable": ""})
    assert onsite.status_code == 303
    loan = site.world.desk.check_out("C-ALICE", "DON-1", site.clock(), None)
    assert loan.barcode == "DON-1" and loan.call_number == "360 PRE"
    from catalogue.lending.refusals import Refusal

    with pytest.raises(Refusal, match="consultation sur place"):
        site.world.desk.check_out("C-ALICE", "DON-2", site.clock(), None)
    # Lost, then back in service from the flagged list.
    token = csrf(client, "/guichet/exemplaires")
    lost = client.post("/guichet/exemplaires", data={"csrf_token": token, "code": "B3",
                                                     "etat": "lost", "note": "jamais revenu"})
    listed = client.get(lost.headers["Location"]).get_data(as_text=True)
    assert "B3 : Perdu." in listed and "Remettre B3 en service" in listed
    with pytest.raises(Refusal, match="Perdu"):
        site.world.desk.check_out("C-BOB", "B3", site.clock(), None)
    back = client.post("/guichet/exemplaires", data={"csrf_token": token, "code": "B3", "etat": ""})
    assert "B3 : Normal (remis en service)." in client.get(back.headers["Location"]).get_data(
        as_text=True)
    assert site.world.desk.check_out("C-BOB", "B3", site.clock(), None).barcode == "B3"
    actions = [e.action for e in audit.recent(site.world.engine)]
    assert actions.count("add_item") == 2 and actions.count("state") == 2


CSV = (
    "card;name;email;category;expires_on;suspended;address\n"
    "N-001;Hélène Léger;helene@example.org;pv;31/12/2027;non;\n"
    "N-002;Marc Sans Courriel;;student;2027-06-30;;\"2 rue du Port\n13002 Marseille\"\n"
    ";Sans carte;;pv;;;\n"
    "N-003;Mauvaise Catégorie;;inconnue;;;\n"
    "N-004;Date Fausse;;pv;31/02/2027;;\n"
    "N-005;Doublon;alice@example.org;pv;;;\n"
    "C-BOB;;;;;oui;\n"
)


def upload(client: Any, data: bytes, name: str = "lecteurs.csv") -> Any:
    token = csrf(client, "/guichet/emprunteurs/import")
    return client.post("/guichet/emprunteurs/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "fichier": (io.BytesIO(data), name)})


def test_borrowers_imported_from_a_csv_file_with_a_report_per_line(site: DeskSite) -> None:
    client = librarian(site)
    assert 'type="file"' in client.get("/guichet/emprunteurs/import").get_data(as_text=True)
    answer = upload(client, CSV.encode("cp1252"))  # a spreadsheet saved on Windows
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "2 emprunteur(s) créé(s), 1 mis à jour, 4 ligne(s) rejetée(s)" in page
    for line, reason in ((5, "Numéro de carte manquant"), (6, "Catégorie inconnue : inconnue"),
                         (7, "Date illisible"), (8, "alice@example.org a déjà la carte C-ALICE")):
        assert f"<tr><td>{line}</td><td>{reason}" in page, (line, page)
    engine = site.world.engine
    helene = accounts.by_card(engine, "N-001")
    assert helene and helene.name == "Hélène Léger" and helene.email == "helene@example.org"
    assert str(helene.expires_on) == "2027-12-31" and not helene.suspended
    marc = accounts.by_card(engine, "N-002")
    assert marc and marc.address == "2 rue du Port\n13002 Marseille" and marc.category == "student"
    bob = accounts.by_card(engine, "C-BOB")
    assert bob and bob.suspended and bob.name == "Bob Durand"  # blank cells change nothing
    assert "Hélène Léger" in client.get("/guichet/emprunteurs?q=N-00").get_data(as_text=True)
    [event] = [e for e in audit.recent(engine) if e.action == "borrowers"]
    assert event.actor == "Léa Biblio" and "2 créé(s)" in event.detail
    empty = upload(client, b"")
    assert empty.status_code == 422 and "non vide" in empty.get_data(as_text=True)
    no_card = upload(client, b"nom;email\nX;x@example.org\n")
    assert no_card.status_code == 422 and "colonne « card »" in no_card.get_data(as_text=True)
    one_column = upload(client, "card\r\nN-010\r\n".encode("utf-8-sig"))
    assert "1 emprunteur(s) créé(s)" in one_column.get_data(as_text=True)
    assert site.client().post("/guichet/emprunteurs/import").status_code == 400  # no CSRF
