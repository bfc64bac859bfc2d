"""users: identity — accounts, credentials, signing keys, service clients, tokens."""
