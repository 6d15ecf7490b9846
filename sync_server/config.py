"""Server settings from the environment (UPWATCH_ prefix); default secrets are refused."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-dev-only-secret"  # noqa: S105 - refused outside --dev


def _env(name: str) -> AliasChoices:
    """Read UPWATCH_<name> or the conventional <name>, and the field name in code."""
    return AliasChoices(f"UPWATCH_{name}", name, name.lower())


class ServerSettings(BaseSettings):
    """How the hosted service runs."""

    model_config = SettingsConfigDict(env_prefix="UPWATCH_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="postgresql+psycopg://postgres@127.0.0.1:5432/upwatch",
        validation_alias=_env("DATABASE_URL"),
    )
    jwt_secret: str = Field(default=DEV_SECRET, min_length=32)
    jwt_issuer: str = "upwatch"
    access_minutes: int = 15
    refresh_days: int = 7
    dev: bool = False
    rate_limit_ip: str = "100/minute"
    rate_limit_user: str = "1000/hour"
    rate_limit_login_ip: str = "20/hour"
    rate_limit_login_email: str = "10/hour"
    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL"))
    trusted_proxies: list[str] = Field(default_factory=list)
    # where users reach the service; its origin may write with cookies (C11)
    public_url: str = "http://127.0.0.1:8000"
    allowed_origins: list[str] = Field(default_factory=list)
    # read-heavy queries (lists, check history) may go to a replica
    # networks the cloud may reach although they are internal (tests only; empty in production)
    outbound_allow: list[str] = Field(default_factory=list)
    # the relay every email alert goes through (smtp://user:pass@host:587 or smtps://...)
    smtp_url: str | None = Field(default=None, validation_alias=_env("SMTP_URL"))
    smtp_from: str = "alerts@upwatch.localhost"
    database_read_url: str | None = Field(default=None, validation_alias=_env("DATABASE_READ_URL"))
    sentry_dsn: str | None = Field(default=None, validation_alias=_env("SENTRY_DSN"))
    log_format: Literal["json", "text"] = "json"
    environment: str = "production"
    # a bearer token for /metrics; without one only loopback and private peers may scrape
    metrics_token: str | None = Field(default=None, min_length=16)

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of public_url."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> ServerSettings:
        if self.jwt_secret == DEV_SECRET and not self.dev:
            raise ValueError("set UPWATCH_JWT_SECRET (32+ characters); the default is for --dev")
        if "*" in self.trusted_proxies:
            raise ValueError("trusted_proxies cannot be '*': list the proxies' addresses")
        for url in [self.public_url, *self.allowed_origins]:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or "*" in url:
                raise ValueError(f"{url!r} is not an origin like https://upwatch.example.com")
        return self
