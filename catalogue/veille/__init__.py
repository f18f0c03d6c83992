"""The veille: a territorial and legal watch fed by news feeds, triaged by the
documentalists and disseminated with the catalogue.

Staff declare sources (:mod:`~catalogue.veille.sources`): RSS/Atom feeds, sitemaps or
plain web pages listing links. The scheduler fetches the due ones politely
(:mod:`harvesters.feed_client`, :mod:`~catalogue.veille.fetching`); their items are parsed
(:mod:`~catalogue.veille.parsing`), de-duplicated across sources
(:mod:`~catalogue.veille.keys`) and pre-sorted by rules into the staff's inbox
(:mod:`~catalogue.veille.triage`). A kept item becomes a record of the source ``veille``
(:mod:`~catalogue.veille.publishing`): searchable, with its own page, OAI sets, Atom feeds
and DSI digests like any record, until ``[veille] keep_months`` retires it.
"""
