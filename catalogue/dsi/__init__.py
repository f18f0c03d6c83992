"""Selective dissemination of information (DSI): lists, alerts, runs, digests, archives.

``profiles`` keeps curated lists (PMB's bannettes) and private alerts with their
subscribers; ``schedule`` says when a profile is due; ``matching`` finds the new records
of each equation; ``runs`` builds one digest per subscriber and moves watermarks only
after the SMTP server accepted it; ``digest`` renders the mail; ``archives`` keeps the
issues of the curated lists; ``links`` signs confirmation and unsubscribe links.
"""
