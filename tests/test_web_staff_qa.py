"""The staff's working day, as served: defects found walking the desk, the harvest and
import reports and the DSI admin in Chromium, each pinned on the HTML the app serves.

* A failed return lost the next scan: with Jinja's ``trim_blocks`` and ``lstrip_blocks``
  the line break between ``{% endif %}`` and the next ``{% if %}`` inside a tag vanished,
  and the desk served ``autofocusaria-invalid="true"``: neither ``autofocus`` nor
  ``aria-invalid`` (same on a card error and on a failed borrowers' import).
* Wide tables in a ``.table-scroll`` box could not be scrolled with the keyboard at
  390 px (axe ``scrollable-region-focusable``, serious) on the desk's log and the import
  reports; the harvests page nested each box in a second one.
* The desk, the questions' and the watch's staff pages are in French only; with the site
  in English they said ``lang="en"`` (a screen reader read French with English rules).
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.web.documents import documents
from tests.account_support import sign_in_with_password
from tests.circulation_support import PASSWORD
from tests.desk_site import DeskSite, csrf
from tests.document_files import pdf

TEMPLATES = Path(__file__).resolve().parents[1] / "catalogue" / "web" / "templates"


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes as served."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def element(html: str, element_id: str) -> dict[str, str | None]:
    found = [attrs for _tag, attrs in tags(html) if attrs.get("id") == element_id]
    assert len(found) == 1, (element_id, len(found))
    return found[0]


def librarian(site: DeskSite) -> Any:
    client = site.client()
    assert sign_in_with_password(client, site.world.librarian.email or "", PASSWORD).status_code == 303
    return client


def test_a_failed_return_keeps_the_focus_and_marks_the_field_invalid(site: DeskSite) -> None:
    client = librarian(site)
    token = csrf(client, "/guichet/")
    page = client.post("/guichet/retour", data={"csrf_token": token, "code": "NOPE-1"})
    html = page.get_data(as_text=True)
    assert "Aucun exemplaire ne porte le code-barres NOPE-1" in html
    field = element(html, "retour")
    assert "autofocus" in field and field.get("aria-invalid") == "true"
    assert field.get("aria-describedby") == "retour-erreur"
    assert "autofocus" not in element(html, "carte")
    for _tag, attrs in tags(html):
        assert not any(name.startswith("autofocus") and name != "autofocus" for name in attrs)


def test_an_unknown_card_keeps_the_focus_and_marks_the_field_invalid(site: DeskSite) -> None:
    client = librarian(site)
    html = client.get("/guichet/emprunteur?carte=NOPE").get_data(as_text=True)
    field = element(html, "carte")
    assert "autofocus" in field and field.get("aria-invalid") == "true"
    assert field.get("aria-describedby") == "carte-erreur"


def test_a_failed_borrowers_import_marks_the_file_field_invalid(site: DeskSite) -> None:
    client = librarian(site)
    token = csrf(client, "/guichet/emprunteurs/import")
    page = client.post("/guichet/emprunteurs/import", data={"csrf_token": token})
    field = element(page.get_data(as_text=True), "fichier")
    assert field.get("aria-invalid") == "true" and "autofocus" in field


def test_no_template_glues_two_attributes_across_a_line_break() -> None:
    """Inside a tag, a line ending in a block tag and a next line starting with ``{%``
    (not ``{%-``) lose the space between them under trim_blocks/lstrip_blocks."""
    glued = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        source = template.read_text(encoding="utf-8")
        for match in re.finditer(r"%\}\n[ \t]*\{%(?!-)", source):
            before = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "",
                            source[:match.start() + 2], flags=re.S)
            if before.rfind("<") > before.rfind(">"):
                glued.append(f"{template.relative_to(TEMPLATES)}:"
                             f"{source[:match.start()].count(chr(10)) + 1}")
    assert glued == []


def test_every_scrolling_table_box_can_be_reached_with_the_keyboard() -> None:
    boxes = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        found = tags(template.read_text(encoding="utf-8"))
        # A section named by a heading is a landmark already: a box named by the same
        # heading inside it is a group, or axe counts two landmarks of one name
        # (landmark-unique, as on the record page's copies).
        sections = {attrs.get("aria-labelledby") for tag, attrs in found if tag == "section"}
        for _tag, attrs in found:
            if "table-scroll" in (attrs.get("class") or "").split():
                boxes.append((template.name, attrs, sections))
    assert len(boxes) >= 15
    for name, attrs, sections in boxes:
        assert attrs.get("tabindex") == "0", name
        assert attrs.get("aria-labelledby") or attrs.get("aria-label"), name
        if attrs.get("aria-labelledby") in sections:
            assert attrs.get("role") == "group", name
        else:
            assert attrs.get("role") == "region", name


def test_staff_tables_as_served_are_focusable_regions_named_by_their_heading(
        site: DeskSite) -> None:
    client = librarian(site)
    admin = site.client()
    assert sign_in_with_password(admin, site.world.admin.email or "", PASSWORD).status_code == 303
    for who, path in ((client, "/guichet/journal"), (client, "/admin/moissons/"),
                      (admin, "/guichet/regles")):
        html = who.get(path).get_data(as_text=True)
        ids = {attrs.get("id") for _tag, attrs in tags(html)}
        boxes = [attrs for _tag, attrs in tags(html)
                 if "table-scroll" in (attrs.get("class") or "").split()]
        assert boxes, path
        for attrs in boxes:
            assert attrs.get("tabindex") == "0" and attrs.get("aria-labelledby") in ids, path
    harvests = client.get("/admin/moissons/").get_data(as_text=True)
    assert '<div class="table-scroll"' in harvests
    assert not re.search(r'class="table-scroll"[^>]*>\s*<div class="table-scroll"', harvests)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Languages(HTMLParser):
    """The language each piece of text of a page is in: its nearest ``lang`` ancestor's."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip():
            lang = next((v for _t, v in reversed(self.stack) if v), "")
            self.texts.append((data.strip(), lang))


def language_of(html: str, text: str) -> str:
    parser = Languages()
    parser.feed(html)
    found = [lang for data, lang in parser.texts if data == text]
    assert found, text
    return found[0]


@pytest.mark.parametrize(("path", "french"), [
    ("/guichet/", "Guichet de prêt"), ("/guichet/journal", "Journal des opérations"),
    ("/questions/gestion/", "Questions en cours"), ("/veille/gestion/", "À trier")])
def test_french_only_staff_pages_say_so_when_the_site_is_in_english(
        site: DeskSite, path: str, french: str) -> None:
    client = librarian(site)
    client.set_cookie("lang", "en")
    html = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert language_of(html, french) == "fr"
    assert language_of(html, "Ask a question") == "en"  # the site's own parts stay English


def test_translated_flashes_of_the_questions_desk_are_not_marked_french(
        site: DeskSite) -> None:
    client = librarian(site)
    client.set_cookie("lang", "en")
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "The question is assigned.")]
    html = client.get("/questions/gestion/").get_data(as_text=True)
    assert language_of(html, "The question is assigned.") == "en"


def test_an_import_report_names_each_problem_record_by_its_identifier(
        site: DeskSite, shared_data: Path, tmp_path: Path) -> None:
    """The Kentika export's 40 records all come with remarks: the report page listed them
    by position only, and ``catalogue report`` too, while the import's own output named
    them ([Kentika_ENSP49147]): the identifier is what a documentalist finds in PMB."""
    done = CliRunner().invoke(main, [
        "--config", str(tmp_path / "config.toml"), "import", "--source", "crpv",
        str(shared_data / "unimarc" / "kentika-archires" / "010_original_records.mrc")])
    assert done.exit_code == 0, done.output
    found = re.search(r"import run (\d+)", done.output)
    assert found and "[Kentika_ENSP49147]" in done.output
    run_id = found.group(1)
    html = librarian(site).get(f"/admin/moissons/import/{run_id}").get_data(as_text=True)
    assert '<th scope="col">Notice</th>' in html
    assert re.search(r'<td><a href="/notice/crpv/Kentika_ENSP49147">Kentika_ENSP49147</a></td>'
                     r"<td>remarque</td><td>type de document &#39;.&#39; inconnu", html)
    listed = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"),
                                       "report", run_id])
    assert listed.exit_code == 0
    assert re.search(r"^record 8 \(byte 8160\) \[Kentika_ENSP49147\]: warning: ",
                     listed.output, re.M)


def test_a_dsi_list_form_names_its_periods_and_says_each_error_beside_its_field(
        site: DeskSite) -> None:
    """The periodicity offered "daily", "weekly"...; a cap typed "3O" silently became the
    default 30; every error was a line at the top, its field neither marked nor near."""
    client = librarian(site)
    page = client.get("/admin/dsi/liste").get_data(as_text=True)
    assert '<option value="weekly" selected>Chaque semaine</option>' in page
    assert ">weekly<" not in page and ">daily<" not in page
    token = csrf(client, "/admin/dsi/liste")
    form = {"csrf_token": token, "slug": "jeunesse", "name": "Jeunesse", "equations": "q=jeunes",
            "period": "weekly", "weekday": "0", "month_day": "1", "every_days": "7",
            "novelty": "first_seen", "cap": "3O", "attachment": "", "visibility": "public",
            "active": "oui"}
    refused = client.post("/admin/dsi/liste", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    cap = element(html, "cap")
    assert cap.get("aria-invalid") == "true" and cap.get("aria-describedby") == "cap-error"
    assert cap.get("value") == "3O"
    assert re.search(r'<span id="cap-error" class="error">Nombre entier attendu\.</span>', html)
    assert "aria-invalid" not in element(html, "name")
    bad_slug = client.post("/admin/dsi/liste", data={**form, "cap": "", "slug": "Pas bon !"})
    assert bad_slug.status_code == 422
    slug = element(bad_slug.get_data(as_text=True), "slug")
    assert slug.get("aria-describedby") == "slug-error" and slug.get("value") == "Pas bon !"
    assert "Jeunesse" not in client.get("/admin/dsi/").get_data(as_text=True)  # nothing stored
    done = client.post("/admin/dsi/liste", data={**form, "cap": ""})
    assert done.status_code == 303
    client.set_cookie("lang", "en")
    english = client.get("/admin/dsi/liste").get_data(as_text=True)
    assert '<option value="monthly">Every month</option>' in english


def test_the_desk_reserves_a_record_by_its_pasted_page_address(site: DeskSite) -> None:
    """Adding a copy took a record page's address, reserving only ``crpv:2``; an empty
    field said "not part of the collections lent here"."""
    client = librarian(site)
    token = csrf(client, "/guichet/emprunteur?carte=C-ALICE")
    assert client.post("/guichet/pret", data={"csrf_token": token, "carte": "C-ALICE",
                                              "code": "B3"}).status_code == 303
    page = client.get("/guichet/emprunteur?carte=C-BOB").get_data(as_text=True)
    assert "Notice à réserver (crpv:123, ou l'adresse de sa page)" in page
    form = {"csrf_token": token, "carte": "C-BOB", "notice": " "}
    empty = client.get(client.post("/guichet/reserver", data=form).headers["Location"])
    assert ("Indiquez la notice à réserver : crpv:123 ou l&#39;adresse de sa page."
            in empty.get_data(as_text=True))
    pasted = f"{site.url}/notice/crpv/2?q=d%C3%A9linquance#exemplaires"
    done = client.post("/guichet/reserver", data={**form, "notice": pasted})
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Réservation enregistrée." in shown and "Aucune réservation." not in shown
    again = client.post("/guichet/reserver", data={**form, "notice": "crpv:2"})
    assert "Réservation enregistrée." not in client.get(
        again.headers["Location"]).get_data(as_text=True)  # the same one, refused


def test_a_barcode_typed_in_lower_case_finds_its_copy(site: DeskSite) -> None:
    """A librarian typing "b3" by hand for the label's B3 got "no copy bears b3"."""
    client = librarian(site)
    token = csrf(client, "/guichet/emprunteur?carte=C-ALICE")
    lent = client.post("/guichet/pret", data={"csrf_token": token, "carte": "C-ALICE",
                                              "code": " b3 "})
    assert lent.status_code == 303
    assert "Prêt enregistré : B3" in client.get(lent.headers["Location"]).get_data(as_text=True)
    back = client.post("/guichet/retour", data={"csrf_token": token, "code": "b3"})
    assert back.status_code == 200 and "Retour enregistré : B3" in back.get_data(as_text=True)
    unknown = client.post("/guichet/retour", data={"csrf_token": token, "code": "zz-404"})
    assert "Aucun exemplaire ne porte le code-barres zz-404." in unknown.get_data(as_text=True)


def test_the_desk_offers_the_loan_rules_only_to_those_who_may_open_them(
        site: DeskSite) -> None:
    """A librarian followed "Règles de prêt" from every desk page to a bare "Accès refusé"."""
    client = librarian(site)
    page = client.get("/guichet/").get_data(as_text=True)
    assert 'href="/guichet/regles"' not in page and 'href="/guichet/journal"' in page
    assert client.get("/guichet/regles").status_code == 403
    admin = site.client()
    assert sign_in_with_password(admin, site.world.admin.email or "", PASSWORD).status_code == 303
    assert 'href="/guichet/regles"' in admin.get("/guichet/").get_data(as_text=True)
    assert admin.get("/guichet/regles").status_code == 200


def test_a_refused_staff_form_puts_the_focus_on_the_field_to_correct(site: DeskSite) -> None:
    """A refused answer, list or watch source came back with the focus at the top of a long
    page, the message beside a field far below: the keyboard user had to hunt for it."""
    client = librarian(site)
    _ask(site)
    token = csrf(client, "/questions/gestion/1")
    answered = client.post("/questions/gestion/1/repondre",
                           data={"csrf_token": token, "answer": " ", "links": ""})
    assert answered.status_code == 422
    html = answered.get_data(as_text=True)
    field = element(html, "answer")
    assert "autofocus" in field and field.get("aria-describedby") == "answer-error"
    assert [a.get("id") for _t, a in tags(html) if "autofocus" in a] == ["answer"]
    listed = client.post("/admin/dsi/liste", data={"csrf_token": token, "slug": "x",
                                                   "name": "X", "cap": "beaucoup"})
    assert "autofocus" in element(listed.get_data(as_text=True), "cap")
    source = client.post("/veille/gestion/sources", data={"csrf_token": token, "name": "X",
                                                          "url": "ftp://nope"})
    assert source.status_code == 422
    assert [a.get("id") for _t, a in tags(source.get_data(as_text=True))
            if "autofocus" in a] == ["url"]


def _ask(site: DeskSite) -> None:
    """A question from the public form, as a visitor asks it."""
    visitor = site.client()
    token = csrf(visitor, "/questions/poser")
    sent = visitor.post("/questions/poser", data={
        "csrf_token": token, "question": "Des études sur la participation des habitants ?",
        "field": "politique-ville", "name": "Jeanne Test", "email": "jeanne@example.org",
        "organisation": "association"})
    assert sent.status_code in (302, 303), sent.get_data(as_text=True)[:300]


def test_a_dsi_list_subscribers_import_reports_in_the_page_language(site: DeskSite) -> None:
    """The subscribers page was in English but its report of an import stayed French."""
    client = librarian(site)
    made = client.post("/admin/dsi/liste", data={
        "csrf_token": csrf(client, "/admin/dsi/liste"), "slug": "jeunesse", "name": "Jeunesse",
        "equations": "q=jeunes", "period": "weekly"})
    assert made.status_code == 303
    path = made.headers["Location"]
    client.set_cookie("lang", "en")
    token = csrf(client, path)
    one = client.post(path, data={"csrf_token": token, "email": "zoe@example.org",
                                  "name": "Zoé"})
    assert "Subscriber added." in one.get_data(as_text=True)
    csv_text = "email;name\nyann@example.org;Yann\npas-une-adresse;X\n"
    bulk = client.post(path, data={"csrf_token": token, "csv": csv_text})
    html = bulk.get_data(as_text=True)
    assert "1 accounts created, 1 subscriptions added." in html
    assert "comptes créés" not in html


def test_removing_a_document_asks_first(site: DeskSite) -> None:
    """"Retirer le document" sat under "Relire le texte": one Enter on the wrong button
    deleted the file for good."""
    with site.app.app_context():
        doc = documents().attach(1, "rapport.pdf", io.BytesIO(pdf(["Rapport annuel"])),
                                 site.clock())
    client = librarian(site)
    page = f"/document/{doc.id}"
    token = csrf(client, page)
    asked = client.post(f"{page}/suppression", data={"csrf_token": token})
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Retirer le document ?" in html and "« rapport.pdf » sera retiré" in html
    assert '<input type="hidden" name="confirmer" value="oui">' in html
    assert element(html, "contenu") is not None  # the page, not a redirect
    assert client.get(page).status_code == 200  # nothing removed yet
    refused = client.post(f"{page}/suppression", data={"csrf_token": token, "confirmer": "non"})
    assert refused.status_code == 200 and client.get(page).status_code == 200
    done = client.post(f"{page}/suppression", data={"csrf_token": token, "confirmer": "oui"})
    assert done.status_code == 303 and client.get(page).status_code == 404
