"""The mails and letters the desk sends: a reserved copy is waiting, overdue reminders.

Three reminder levels, as PMB's ``mailretard_1..3`` and Koha's overdue triggers: a
friendly note, a firmer one, a last one before the centre calls. The same text serves
the email and the printed letter (``catalogue/web/templates/desk/letters.html`` lays it
out for paper), so a borrower without an address reads what the others read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

from catalogue.lending.loans import Loan
from catalogue.lending.reservations import Reservation
from catalogue.people.mailer import compose
from catalogue.settings import Settings

SUBJECTS = {
    1: "Rappel : document(s) à rendre",
    2: "Deuxième rappel : document(s) en retard",
    3: "Dernier rappel avant relance : document(s) en retard",
}
INTROS = {
    1: "Sauf erreur de notre part, le(s) document(s) ci-dessous auraient dû être rendus. "
       "Merci de les rapporter ou de les prolonger depuis votre compte si c'est encore "
       "possible.",
    2: "Malgré un premier rappel, le(s) document(s) ci-dessous n'ont pas été rendus. "
       "Merci de les rapporter au plus vite : d'autres lecteurs les attendent peut-être.",
    3: "Ceci est notre dernier rappel. Sans retour du ou des document(s) ci-dessous, votre "
       "carte pourra être suspendue et le centre prendra contact avec vous ou votre structure.",
}


@dataclass(frozen=True, slots=True)
class Letter:
    """One reminder to one borrower: the level reached and the loans it is about."""

    level: int
    person_id: int
    name: str
    email: str
    address: str
    loans: tuple[Loan, ...]

    @property
    def subject(self) -> str:
        return SUBJECTS[self.level]

    @property
    def intro(self) -> str:
        return INTROS[self.level]


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def reminder_text(settings: Settings, letter: Letter, today: date) -> str:
    """The plain text of a reminder (mail body and printed letter alike)."""
    lines = [f"Bonjour {letter.name}," if letter.name else "Bonjour,", "", letter.intro, ""]
    for loan in letter.loans:
        lines.append(f"- {loan.title} (exemplaire {loan.barcode}, cote {loan.call_number or '-'}) : "
                     f"à rendre le {_day(loan.due_on)}, {loan.late_days(today)} jour(s) de retard")
    if letter.level == 3 and settings.circulation.suspend_at_third_reminder:
        lines += ["", "Votre carte est suspendue : vous ne pouvez plus emprunter ni réserver. "
                  "Rapportez ces documents ; l'accueil du centre lèvera la suspension."]
    lines += ["", f"Votre compte : {settings.base_url}/compte/prets", "",
              settings.name]
    return "\n".join(lines)


def reminder_mail(settings: Settings, letter: Letter, now: datetime, today: date) -> EmailMessage:
    """The reminder as an email ready for :class:`catalogue.people.mailer.Mailer`."""
    return compose(settings.mail, to=letter.email, to_name=letter.name, subject=letter.subject,
                   text=reminder_text(settings, letter, today), now=now,
                   headers={"X-Catalogue-Reminder": str(letter.level)})


def hold_mail(settings: Settings, hold: Reservation, now: datetime) -> EmailMessage:
    """"Your reserved document is waiting for you" (queued in the outbox by the desk)."""
    until = _day(hold.held_until) if hold.held_until else ""
    text = "\n".join([
        f"Bonjour {hold.borrower},", "",
        f"Le document que vous avez réservé est disponible : {hold.title}.",
        f"Il est mis de côté à votre nom jusqu'au {until} inclus (exemplaire {hold.held_barcode}).",
        "", f"Votre compte : {settings.base_url}/compte/prets", "", settings.name])
    return compose(settings.mail, to=hold.email, to_name=hold.borrower,
                   subject="Votre réservation est disponible", text=text, now=now)


def group(loans: Sequence[Loan], levels: dict[int, int], people: dict[int, tuple[str, str, str]]) -> list[Letter]:
    """One letter per borrower and level from ``loans`` and the level each has reached."""
    grouped: dict[tuple[int, int], list[Loan]] = {}
    for loan in loans:
        if loan.person_id is not None and loan.id in levels:
            grouped.setdefault((loan.person_id, levels[loan.id]), []).append(loan)
    return [Letter(level=level, person_id=pid, name=people[pid][0], email=people[pid][1],
                   address=people[pid][2], loans=tuple(found))
            for (pid, level), found in sorted(grouped.items())]
