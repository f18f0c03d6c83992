"""People: one account model for subscribers, borrowers and staff, and the mail they get.

``accounts`` registers, confirms, finds and authenticates persons; ``tokens`` signs the
links sent to them (confirmation, sign-in); ``mailer`` composes and sends messages over
SMTP; ``outbox`` queues the mails a web request asks for, sent by the scheduler.
"""
