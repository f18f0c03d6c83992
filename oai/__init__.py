"""OAI-PMH 2.0 data provider: a pure protocol core and a thin Flask blueprint."""
