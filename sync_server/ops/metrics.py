"""Prometheus metrics of one app: requests by route and status, and their latency."""

from __future__ import annotations

import ipaddress
import secrets

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import Response

from sync_server.config import ServerSettings
from sync_server.errors import Forbidden

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The app's own registry (several apps in one process never share counters)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "upwatch_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "upwatch_http_request_duration_seconds",
            "Time to answer, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self, request: Request, settings: ServerSettings) -> Response:
        """The metrics page, for a scraper that may read it (403 otherwise)."""
        if not _may_scrape(request, settings):
            raise Forbidden("metrics are for the configured scraper only")
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: Request, settings: ServerSettings) -> bool:
    """With a metrics token, only its bearer; without, only loopback and private peers."""
    if settings.metrics_token:
        offered = request.headers.get("authorization", "").removeprefix("Bearer ")
        return secrets.compare_digest(offered.encode(), settings.metrics_token.encode())
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "testclient"  # Starlette's in-process client
    return address.is_loopback or address.is_private
