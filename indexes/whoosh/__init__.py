"""The Whoosh engine behind :mod:`indexes.engine` (see :mod:`indexes.whoosh.engine`).

Only :mod:`indexes` imports this package; its speed-ups over Whoosh's internals
(:mod:`indexes.whoosh.segment`, :mod:`indexes.whoosh.parallel`,
:mod:`indexes.whoosh.postings`) each fall back to Whoosh's public path when the
internals are not the ones they were written for.
"""
