"""Operations: structured logs, Prometheus metrics, Sentry, the access middleware."""
