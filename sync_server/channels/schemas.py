"""Channel bodies: one strict shape per type, validated without Apprise."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from shared.monitor import check_url


def _https_on(url: str, hosts: tuple[str, ...], what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or (parts.hostname or "") not in hosts or not parts.path.strip("/"):
        raise ValueError(f"a {what} webhook URL starts with https://{hosts[0]}/")
    return url


class EmailConfig(BaseModel):
    """Send to one address."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["email"]
    to: EmailStr


class SlackConfig(BaseModel):
    """A Slack incoming webhook."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["slack"]
    webhook_url: str = Field(max_length=500)

    @field_validator("webhook_url")
    @classmethod
    def _slack(cls, value: str) -> str:
        return _https_on(value, ("hooks.slack.com",), "Slack")


class DiscordConfig(BaseModel):
    """A Discord webhook."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["discord"]
    webhook_url: str = Field(max_length=500)

    @field_validator("webhook_url")
    @classmethod
    def _discord(cls, value: str) -> str:
        return _https_on(value, ("discord.com", "discordapp.com"), "Discord")


class TelegramConfig(BaseModel):
    """A Telegram bot and chat."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["telegram"]
    bot_token: str = Field(pattern=r"^\d{5,15}:[A-Za-z0-9_-]{20,80}$")
    chat_id: str = Field(pattern=r"^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$")


class WebhookConfig(BaseModel):
    """A generic JSON webhook (the sender re-checks the address against the SSRF rules).

    With a secret, each request is signed with it; like every config it is
    stored sealed and never shown again.
    """

    model_config = ConfigDict(extra="forbid")
    type: Literal["webhook"]
    url: str = Field(max_length=2048)
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        pattern=r"^[\x21-\x7e]+$",  # printable ASCII, no spaces: it is typed into two places
        exclude_if=lambda value: value is None,  # configs without one are stored as before
    )

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = check_url(value)
        if urlsplit(value).username or urlsplit(value).password:
            raise ValueError("put credentials in a header, not in the webhook URL")
        return value


ChannelConfig = Annotated[
    EmailConfig | SlackConfig | DiscordConfig | TelegramConfig | WebhookConfig,
    Field(discriminator="type"),
]


_CONFIG: TypeAdapter[ChannelConfig] = TypeAdapter(ChannelConfig)


def parse_config(data: dict[str, str]) -> ChannelConfig:
    """Return a pushed channel config checked like the API's; raise ValueError with a message."""
    try:
        return _CONFIG.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or "config"
        raise ValueError(f"{where}: {first['msg']}") from None


class ChannelIn(BaseModel):
    """A channel as a client sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    config: ChannelConfig
    monitor_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


class ChannelPublic(BaseModel):
    """A channel as the API shows it: its target, with secrets hidden."""

    id: uuid.UUID
    name: str
    type: str
    target: str
    monitor_ids: list[uuid.UUID]
    seq: int
    disabled_reason: str | None = None  # why alerts stopped; saving the channel resumes them
