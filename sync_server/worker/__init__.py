"""Cloud workers: claim due monitors from PostgreSQL, check them, store results, alert."""
