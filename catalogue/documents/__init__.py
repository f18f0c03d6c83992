"""Digital documents: files kept by content hash, access levels, full-text extraction.

:mod:`.store` keeps the bytes (content-addressed, under the data dir), :mod:`.access`
decides who may download what, :mod:`.extraction` reads the text of a file in a separate,
limited process, and :mod:`.service` ties them to records in the catalogue store.
"""
