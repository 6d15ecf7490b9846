"""Server settings from the environment (UPWATCH_ prefix); default secrets are refused."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sync_server.auth.tokens import SigningKeys
from sync_server.channels.sealing import ConfigSealer

DEV_SECRET = "dev-only-secret-change-me-dev-only-secret"  # noqa: S105 - refused outside --dev
DEV_DATA_KEY = "ZGV2LW9ubHktZGF0YS1rZXktY2hhbmdlLW1lLWRldiE="  # refused outside --dev
NEW_KEY_HINT = "make one with `upwatch server new-key`"
ACCESS_SECONDS_RANGE = (5, 86400)  # an access token lives 5 s to a day
ACCESS_MINUTES_RANGE = (1, 1440)


@lru_cache(maxsize=8)
def _signing_keys(current: str, previous: tuple[str, ...]) -> SigningKeys:
    # cached by value, not on the settings object: model_copy would carry a stale copy along
    return SigningKeys.of(current, previous)


@lru_cache(maxsize=8)
def _sealer(keys: tuple[str, ...]) -> ConfigSealer:
    return ConfigSealer(keys)


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
    # secrets rotated out that still verify tokens until they are removed from here,
    # e.g. UPWATCH_JWT_PREVIOUS_SECRETS='["<the old secret>"]' for the 15 minutes after a change
    jwt_previous_secrets: list[str] = Field(default_factory=list)
    # keys that seal alert channels' configs at rest (Fernet, comma-separated): the first
    # seals, all open; `upwatch server migrate` reseals with the first (channels/sealing.py)
    data_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_env("DATA_KEYS")
    )
    jwt_issuer: str = "upwatch"
    access_minutes: int = 15
    # the same in seconds, which wins when set: a short life lets tests see tokens expire
    access_seconds: int | None = None
    refresh_days: int = 7
    dev: bool = False
    rate_limit_ip: str = "100/minute"
    rate_limit_user: str = "1000/hour"
    # failed sign-ins: from one address (any mailbox), for one mailbox from one address, and
    # for one mailbox from every address (enforced only on addresses that failed for it)
    rate_limit_login_ip: str = "20/hour"
    rate_limit_login_email: str = "10/hour"
    rate_limit_login_email_total: str = "100/hour"
    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL"))
    trusted_proxies: list[str] = Field(default_factory=list)
    # where users reach the service; its origin may write with cookies
    public_url: str = "http://127.0.0.1:8000"
    # where status pages are served; another host than public_url's keeps the dashboard's
    # cookies away from them; unset: public_url
    status_url: str | None = None
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
    # Stripe (billing answers 503 until the key, the webhook secret and the prices are set)
    stripe_secret_key: str | None = Field(default=None, validation_alias=_env("STRIPE_SECRET_KEY"))
    stripe_webhook_secret: str | None = Field(
        default=None, validation_alias=_env("STRIPE_WEBHOOK_SECRET")
    )
    stripe_price_starter: str | None = Field(
        default=None, validation_alias=_env("STRIPE_PRICE_STARTER")
    )
    stripe_price_pro: str | None = Field(default=None, validation_alias=_env("STRIPE_PRICE_PRO"))
    stripe_price_business: str | None = Field(
        default=None, validation_alias=_env("STRIPE_PRICE_BUSINESS")
    )
    stripe_api_base: str | None = None  # another address for Stripe's API (tests: a local fake)
    # a bearer token for /metrics; without one only loopback and private peers may scrape
    metrics_token: str | None = Field(default=None, min_length=16)

    @property
    def access_token_seconds(self) -> int:
        """How long an access token (and a change socket opened with it) lives, in seconds."""
        return self.access_seconds if self.access_seconds is not None else self.access_minutes * 60

    @property
    def jwt_keys(self) -> SigningKeys:
        """The key access tokens are signed with and the keys still accepted."""
        return _signing_keys(self.jwt_secret, tuple(self.jwt_previous_secrets))

    @property
    def config_sealer(self) -> ConfigSealer:
        """Seals and opens alert channels' configs with the data keys."""
        return _sealer(tuple(self.data_keys))

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of public_url."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def status_origin(self) -> str:
        """scheme://host[:port] of status_url (public_url's without one)."""
        if not self.status_url:
            return self.public_origin
        parts = urlsplit(self.status_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def stripe_prices(self) -> dict[str, str]:
        """Plan name -> Stripe price id, for the paid plans that have one."""
        prices = {
            "starter": self.stripe_price_starter,
            "pro": self.stripe_price_pro,
            "business": self.stripe_price_business,
        }
        return {plan: price for plan, price in prices.items() if price}

    @property
    def billing_configured(self) -> bool:
        """True when Stripe can be used: a key, the webhook secret and at least one price."""
        return bool(self.stripe_secret_key and self.stripe_webhook_secret and self.stripe_prices)

    @field_validator("access_seconds", mode="before")
    @classmethod
    def _access_seconds_in_range(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return _whole_number_in(value, "UPWATCH_ACCESS_SECONDS", ACCESS_SECONDS_RANGE)

    @field_validator("access_minutes", mode="before")
    @classmethod
    def _access_minutes_in_range(cls, value: object) -> object:
        return _whole_number_in(value, "UPWATCH_ACCESS_MINUTES", ACCESS_MINUTES_RANGE)

    @field_validator("data_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("data_keys")
    @classmethod
    def _keys_are_keys(cls, keys: list[str]) -> list[str]:
        for key in keys:
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    f"UPWATCH_DATA_KEYS holds something that is not a key; {NEW_KEY_HINT}"
                ) from None
        return keys

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> ServerSettings:
        if self.jwt_secret == DEV_SECRET and not self.dev:
            raise ValueError("set UPWATCH_JWT_SECRET (32+ characters); the default is for --dev")
        if not self.data_keys and self.dev:
            self.data_keys = [DEV_DATA_KEY]
        if not self.data_keys:
            raise ValueError(
                f"set UPWATCH_DATA_KEYS, the key that seals alert channels; {NEW_KEY_HINT}"
            )
        if DEV_DATA_KEY in self.data_keys and not self.dev:
            raise ValueError(f"UPWATCH_DATA_KEYS holds the --dev key; {NEW_KEY_HINT}")
        for old in self.jwt_previous_secrets:
            if len(old) < 32 or (old == DEV_SECRET and not self.dev):
                raise ValueError("each of UPWATCH_JWT_PREVIOUS_SECRETS needs 32+ characters")
        if "*" in self.trusted_proxies:
            raise ValueError("trusted_proxies cannot be '*': list the proxies' addresses")
        for url in [self.public_url, *self.allowed_origins, *filter(None, [self.status_url])]:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or "*" in url:
                raise ValueError(f"{url!r} is not an origin like https://upwatch.example.com")
        return self


def _whole_number_in(value: object, name: str, bounds: tuple[int, int]) -> int:
    """Return value as an int within bounds; raise ValueError naming the setting otherwise."""
    low, high = bounds
    text = "" if isinstance(value, bool) else str(value).strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(text)
