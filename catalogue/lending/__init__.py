"""The lending desk: rules, loans, returns, renewals, reservations, reminders.

The functions here are the desk's truth; the web blueprints (``catalogue.web.desk``,
``catalogue.web.loans``), the CLI (``catalogue circulation``) and the scheduler only
call them. Every refusal is a :class:`catalogue.lending.refusals.Refusal` carrying a
French message for the desk.
"""
