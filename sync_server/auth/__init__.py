"""Accounts and sessions: register, login, refresh with rotation, logout, me."""
