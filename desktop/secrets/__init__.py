"""Secrets live in the OS keyring through SecretStore, or, only when the user asks for it, in a
0600 file of the data folder; never in SQLite or config files."""
