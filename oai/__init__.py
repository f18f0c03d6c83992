"""OAI-PMH 2.0 data provider.

A pure protocol core (:func:`oai.protocol.handle`: request parameters, a
:class:`oai.repository.Repository`, the instant and an :class:`oai.config.OaiConfig` in,
XML bytes out) and a thin Flask blueprint (:mod:`oai.blueprint`). Per the dependency
rule this package imports ``catalogue.records`` and ``catalogue.formats`` only: the SQL
side of the repository lives in ``catalogue/store/oai_repository.py`` and the
composition root (``catalogue.web``) wires the two together.
"""
