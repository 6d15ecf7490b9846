"""Server settings from the environment (UPWATCH_ prefix); default secrets are refused."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-dev-only-secret"  # noqa: S105 - refused outside --dev


class ServerSettings(BaseSettings):
    """How the hosted service runs."""

    model_config = SettingsConfigDict(env_prefix="UPWATCH_", extra="ignore")

    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/upwatch"
    jwt_secret: str = Field(default=DEV_SECRET, min_length=32)
    jwt_issuer: str = "upwatch"
    access_minutes: int = 15
    refresh_days: int = 7
    dev: bool = False
    rate_limit_ip: str = "100/minute"
    rate_limit_user: str = "1000/hour"
    redis_url: str | None = None
    trusted_proxies: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> ServerSettings:
        if self.jwt_secret == DEV_SECRET and not self.dev:
            raise ValueError("set UPWATCH_JWT_SECRET (32+ characters); the default is for --dev")
        if "*" in self.trusted_proxies:
            raise ValueError("trusted_proxies cannot be '*': list the proxies' addresses")
        return self
