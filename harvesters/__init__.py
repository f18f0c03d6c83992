"""Sources in, Records out: PMB export files, partners' OAI-PMH endpoints, drop folders."""
