"""Alerts: flips become messages delivered through Apprise channels, with retries."""
