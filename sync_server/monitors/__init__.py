"""Monitors and their check history, owned by one account each."""
