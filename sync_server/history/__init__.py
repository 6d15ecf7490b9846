"""Incidents and hourly/daily rollups of check results."""
