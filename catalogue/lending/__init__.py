"""The lending desk: rules, loans, returns, renewals, reservations, reminders.

The functions here are the desk's truth; the web blueprints (``catalogue.web.desk``,
``catalogue.web.loans``), the CLI (``catalogue circulation``) and the scheduler only
call them. Every refusal is a :class:`catalogue.lending.refusals.Refusal` carrying a
French message for the desk.

Importing the package makes :func:`catalogue.people.accounts.delete` refuse to erase a
borrower who still has documents on loan or set aside (the web app and the CLI both
import it): people must not import lending, so lending registers its check there.
"""

from catalogue.lending.borrowers import deletion_refusal
from catalogue.people.accounts import refuse_deletion_when

refuse_deletion_when(deletion_refusal)
