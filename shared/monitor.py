"""The monitor definition shared by the desktop, the CLI and the hosted service."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from shared.expect import ExpectedStatus, ExpectedStatusError
from shared.tags import Tags
from shared.text import storable_text

Method = Literal["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH")

MIN_INTERVAL_S = 5
MAX_INTERVAL_S = 7 * 24 * 3600
DEFAULT_INTERVAL_S = 300
DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 120.0
MAX_REDIRECTS = 10
# An unconfirmed failure is checked again after a quarter of the interval, at least 5 s
# (a blip gets a moment to pass) and at most 20 s (a long interval still alerts soon):
# with the default 2 confirmations an outage then alerts within 1.5 intervals from 10 s up.
RECHECK_MIN_S = 5.0
RECHECK_MAX_S = 20.0
RECHECK_FRACTION = 0.25

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Headers the HTTP client must own: a user value would corrupt the request framing.
FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"}
)
# The hosted checker also refuses these; the desktop may set Host.
HOSTED_FORBIDDEN_HEADERS = FRAMING_HEADERS | {"host", "proxy-authorization", "proxy-connection"}


def recheck_delay(interval_s: float) -> float:
    """Seconds from a failure that waits for confirmation to its recheck (never past the
    interval): the one rule of the desktop scheduler and the cloud workers."""
    quarter = max(RECHECK_MIN_S, interval_s * RECHECK_FRACTION)
    return float(min(interval_s, RECHECK_MAX_S, quarter))


def _now() -> datetime:
    return datetime.now(UTC)


_IPV4_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_DOTTED_QUAD = re.compile(r"^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$")


def _looks_like_short_ipv4(host: str) -> bool:
    """True for hosts every part of which is a number (2130706433, 0x7f000001, 127.1, 0,
    017.0.0.1) but which are not a plain dotted quad: resolvers read them as IPv4 addresses
    in ways that differ between libraries, so neither side checks them."""
    parts = host.rstrip(".").lower().split(".")
    if not all(_IPV4_PART.fullmatch(part) for part in parts):
        return False
    return not _DOTTED_QUAD.fullmatch(".".join(parts))


def check_url(url: str) -> str:
    """Return the URL stripped of spaces; raise ValueError unless it is http(s) with a host."""
    url = url.strip()
    if not url:
        raise ValueError("URL is empty")
    if any(ch in url for ch in "\r\n\t\x00 "):
        raise ValueError("URL contains spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "none"
        raise ValueError(f"URL must start with http:// or https:// (scheme: {shown})")
    if not parts.hostname:
        raise ValueError("URL has no host name")
    if _looks_like_short_ipv4(parts.hostname):
        raise ValueError(
            f"URL host {parts.hostname} is an IPv4 address written in a short or non-decimal"
            " form; write it as four numbers, like 93.184.216.34"
        )
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"URL has a bad port: {exc}") from None
    return url


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Return the headers; raise ValueError for bad names, control characters or framing ones."""
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"header name {name!r} is not a valid HTTP token")
        if any(ch in value for ch in "\r\n\x00"):
            raise ValueError(f"header {name} contains a line break or NUL")
        if name.lower() in FRAMING_HEADERS:
            raise ValueError(f"header {name} is set by the HTTP client and cannot be overridden")
    return headers


class MonitorSpec(BaseModel):
    """Everything needed to run one HTTP check, validated once at the edge."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    kind: Literal["http"] = "http"
    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(max_length=2048)]
    method: Method = "GET"
    interval: Annotated[int, Field(ge=MIN_INTERVAL_S, le=MAX_INTERVAL_S)] = DEFAULT_INTERVAL_S
    timeout: Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S)] = DEFAULT_TIMEOUT_S
    headers: dict[str, str] = Field(default_factory=dict)
    body: Annotated[str, Field(max_length=65536)] | None = None
    expected_status: str = "200-299"
    keyword: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    keyword_absent: bool = False
    degraded_after_ms: Annotated[int, Field(ge=1, le=600_000)] | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    confirmations: Annotated[int, Field(ge=1, le=10)] = 2
    reminder_minutes: Annotated[int, Field(ge=1, le=10_080)] | None = None
    is_active: bool = True
    tags: Tags = Field(default_factory=list)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)

    @model_validator(mode="before")
    @classmethod
    def _default_name_and_timeout(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not data.get("name") and isinstance(data.get("url"), str):
                data = {**data, "name": urlsplit(data["url"].strip()).hostname or data["url"]}
            if data.get("timeout") is None and "interval" in data:
                try:
                    interval = float(data["interval"])
                except (TypeError, ValueError, OverflowError):
                    return data  # the field's own check says what is wrong
                data = {**data, "timeout": min(DEFAULT_TIMEOUT_S, interval)}
        return data

    @field_validator("name", "keyword", "body")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        return None if value is None else storable_text(value)

    # Rules between two fields are checked on the later one, so an error names a field (the
    # dialog marks it, the API's 422 points at it); the earlier one is in info.data when valid.
    @field_validator("timeout")
    @classmethod
    def _within_interval(cls, value: float, info: ValidationInfo) -> float:
        interval = info.data.get("interval")
        if interval is not None and value > interval:
            raise ValueError(
                f"timeout ({value:g} s) must not be longer than the interval ({interval} s)"
            )
        return value

    @field_validator("keyword")
    @classmethod
    def _has_body(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("method") == "HEAD":
            raise ValueError("a HEAD request has no body to search for a keyword; use GET")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("method", mode="before")
    @classmethod
    def _method_upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        return check_headers(value)

    @field_validator("expected_status", mode="before")
    @classmethod
    def _expected(cls, value: Any) -> str:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError("expected status must be a code or ranges such as 200-299,301")
        try:
            return str(ExpectedStatus.parse(value))
        except ExpectedStatusError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the timestamp is out of range in UTC") from None

    @field_serializer("created_at", "updated_at")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()

    @property
    def expected(self) -> ExpectedStatus:
        """The parsed expected-status rule."""
        return ExpectedStatus.parse(self.expected_status)

    @property
    def recheck_after(self) -> float:
        """Seconds to wait before re-checking an unconfirmed failure."""
        return recheck_delay(self.interval)

    @property
    def host(self) -> str:
        """The URL's host name, lower case."""
        return (urlsplit(self.url).hostname or "").lower()


def field_bounds(name: str) -> tuple[float, float]:
    """Return the lowest and highest value MonitorSpec allows for the number field name (an
    exclusive bound as it is); raise ValueError for a field not bounded on both sides."""
    info = MonitorSpec.model_fields[name]
    metadata = list(info.metadata)
    for member in get_args(info.annotation):  # the number inside "X | None"
        for extra in getattr(member, "__metadata__", ()):
            metadata.extend(getattr(extra, "metadata", ()))
    # annotated_types' Ge / Gt / Le / Lt, read by their attribute
    found = {k: getattr(m, k) for m in metadata for k in ("ge", "gt", "le", "lt") if hasattr(m, k)}
    low = [found[k] for k in ("ge", "gt") if k in found]
    high = [found[k] for k in ("le", "lt") if k in found]
    if not low or not high:
        raise ValueError(f"MonitorSpec.{name} is not a number bounded on both sides")
    return float(low[0]), float(high[0])


def field_default(name: str) -> Any:
    """Return the default of MonitorSpec's field name (None for an optional one)."""
    return MonitorSpec.model_fields[name].get_default(call_default_factory=True)
