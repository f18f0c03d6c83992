"""The search index boundary: French analysis, schema, writer and searcher (Whoosh)."""
