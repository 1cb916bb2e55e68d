"""Keeps other web sites out: the coach only answers its own pages.

A page from another site could otherwise make the browser post to the coach on 127.0.0.1
(for example to record a clinician's clearance) or, with DNS rebinding, read the journal.
So every request must name one of the coach's own hosts, and a request that changes
something must come from one of its own origins when the browser says where it comes from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from backcoach.web.settings import LOOPBACK_HOSTS, WebSettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_ADDRESS = ("0.0.0.0", "::", "[::]")


def allowed_hosts(settings: WebSettings) -> frozenset[str] | None:
    """Host names the coach answers to; None when it listens on every address."""
    if settings.host in ANY_ADDRESS:
        return None
    names = {*LOOPBACK_HOSTS, "::1", settings.host}
    names |= {urlsplit(origin).hostname or "" for origin in settings.allowed_origins}
    return frozenset(name for name in names if name)


def _host_name(host_header: str) -> str:
    return urlsplit(f"//{host_header}").hostname or ""


def make_guard(
    settings: WebSettings,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    hosts = allowed_hosts(settings)
    origins = settings.origins()

    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if hosts is not None and _host_name(request.headers.get("host", "")) not in hosts:
            return PlainTextResponse("Unknown host name.", status_code=421)
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin is not None and origin not in origins:
            return PlainTextResponse("Requests from other sites are refused.", status_code=403)
        return await call_next(request)

    return guard
