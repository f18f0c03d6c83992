"""The borrower's account and the lending desk together: an erasure (GDPR) is refused
while documents are on loan or set aside, and the loan history is the borrower's choice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.people import accounts
from catalogue.people.accounts import AccountError
from catalogue.store.circulation_tables import loans
from tests.account_support import csrf_token, sign_in_with_link
from tests.desk_site import DeskSite


def erase(site: DeskSite, who: str) -> tuple[int, str]:
    client = site.client()
    person = accounts.get(site.world.engine, site.world.people[who].id)  # its current nonce
    assert person is not None
    sign_in_with_link(site.app, client, person)
    answer = client.post("/alertes/supprimer-mon-compte",
                         data={"csrf_token": csrf_token(client, "/alertes"), "confirmer": "oui"})
    return answer.status_code, answer.get_data(as_text=True)


def test_the_gdpr_erasure_is_refused_while_documents_are_on_loan(site: DeskSite) -> None:
    world, now = site.world, site.clock()
    loan = world.desk.check_out("C-ALICE", "L1", now, None)
    status, page = erase(site, "alice")
    assert status == 409
    assert "encore 1 prêt(s) en cours" in page and "rendus au centre" in page
    assert accounts.get(world.engine, world.people["alice"].id) is not None
    with world.engine.connect() as conn:
        assert conn.execute(select(loans.c.person_id).where(loans.c.id == loan.id)).scalar() \
            == world.people["alice"].id
    world.desk.check_in("L1", now, None)
    status, page = erase(site, "alice")
    assert status == 200 and accounts.get(world.engine, world.people["alice"].id) is None


def test_a_copy_set_aside_blocks_the_erasure_a_waiting_reservation_does_not(
        site: DeskSite) -> None:
    world, now = site.world, site.clock()
    bob = world.people["bob"].id
    world.desk.check_out("C-ALICE", "B3", now, None)
    world.desk.reserve(bob, "crpv:2", now, None)  # waiting: B3 is at Alice's
    world.desk.check_in("B3", now, None)  # now held for Bob
    with pytest.raises(AccountError, match="mis de côté"):
        accounts.delete(world.engine, bob)
    assert accounts.get(world.engine, bob) is not None
    fay = world.people["fay"].id
    world.desk.check_out("C-ALICE", "L1", now, None)
    world.desk.check_out("C-CAROL", "L2", now, None)
    world.desk.reserve(fay, "crpv:1", now, None)  # both copies out: Fay waits
    accounts.delete(world.engine, fay)
    assert accounts.get(world.engine, fay) is None


def test_the_borrower_chooses_to_keep_the_loan_history_and_to_forget_it(site: DeskSite) -> None:
    world, now = site.world, site.clock()
    alice_id = world.people["alice"].id
    world.desk.check_out("C-ALICE", "B3", now, None)
    world.desk.check_in("B3", now, None)  # not opted in: forgotten at once
    client = site.client()
    person = accounts.get(world.engine, alice_id)
    assert person is not None
    sign_in_with_link(site.app, client, person)
    page = client.get("/compte/prets").get_data(as_text=True)
    assert "ne garde pas la liste" in page and "Prévenir la délinquance" not in page
    token = csrf_token(client, "/compte/prets")
    answer = client.post("/compte/prets/historique", data={"csrf_token": token, "garder": "oui"})
    assert answer.status_code == 303
    assert "seront gardés" in client.get("/compte/prets").get_data(as_text=True)
    world.desk.check_out("C-ALICE", "B3", now, None)
    world.desk.check_out("C-ALICE", "L1", now, None)
    world.desk.check_in("B3", now, None)
    page = client.get("/compte/prets").get_data(as_text=True)
    assert "Prévenir la délinquance des jeunes (02/03/2026)" in page
    assert "Ne plus garder mon historique" in page
    client.post("/compte/prets/historique", data={"csrf_token": token, "garder": "non"})
    page = client.get("/compte/prets").get_data(as_text=True)
    assert "n'est plus conservé (1 prêt(s) effacé(s))" in page.replace("&#39;", "'")
    assert "Prévenir la délinquance des jeunes (02/03/2026)" not in page
    with world.engine.connect() as conn:  # the open loan keeps its borrower
        assert conn.execute(select(loans.c.person_id).where(
            loans.c.returned_at.is_(None))).scalar() == alice_id
        assert conn.execute(select(loans.c.id).where(loans.c.person_id == alice_id,
                                                     loans.c.returned_at.is_not(None))).all() == []
    assert site.client().post("/compte/prets/historique", data={"garder": "oui"}).status_code \
        in (302, 400)
