"""The tantivy engine behind :mod:`indexes.engine` (see :mod:`indexes.tantivy.engine`).

Only :mod:`indexes` imports this package. Text reaches tantivy already analysed by
:mod:`indexes.analysis` (stems or folded words, separated by spaces, read back with
tantivy's whitespace tokenizer), so both engines index and query the very same terms.
"""
