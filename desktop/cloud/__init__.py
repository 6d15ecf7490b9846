"""Upwatch Cloud from the desktop: the HTTP client of the hosted API (tokens, sync calls)."""
