"""Secrets live in the OS keyring through SecretStore, never in SQLite or config files."""
