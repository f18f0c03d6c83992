"""The public catalogue (OPAC) as services: what the web pages, feeds and API ask for.

Views stay thin (ARCHITECTURE.md): they parse nothing and query nothing themselves, they
hand the request's parameters to :class:`catalogue.opac.service.Opac` and render what it
returns. This package composes the search index (:mod:`indexes`, through its
engine-neutral request and result values) with the store (:mod:`catalogue.store.opac`)
and the format writers; it knows nothing of Flask, so the same services can back a
future DSI digest or a command.
"""
