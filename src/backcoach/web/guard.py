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

from backcoach.errors import ConfigError
from backcoach.web.settings import LOOPBACK_HOSTS, WebSettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_ADDRESS = ("0.0.0.0", "::", "[::]")


def allowed_hosts(settings: WebSettings) -> frozenset[str]:
    """Host names the coach answers to.

    Listening on every address (0.0.0.0) does not say which names people will use, so they
    must be given (``allowed_hosts``); the Host check is never turned off.
    """
    if settings.host in ANY_ADDRESS and not settings.allowed_hosts:
        raise ConfigError(
            f"Listening on {settings.host} needs the names people use to reach the coach: "
            "give each with --allow-host (for example --allow-host mypc.local)."
        )
    names = {*LOOPBACK_HOSTS, "::1", *settings.allowed_hosts}
    if settings.host not in ANY_ADDRESS:
        names.add(settings.host)
    names |= {urlsplit(origin).hostname or "" for origin in settings.allowed_origins}
    return frozenset(_host_name(name) or name for name in names if name)


def _host_name(host_header: str) -> str:
    return urlsplit(f"//{host_header}").hostname or ""


def _origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL (a Referer), as an Origin header would give it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def make_guard(
    settings: WebSettings,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    hosts = allowed_hosts(settings)
    origins = settings.origins()

    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if _host_name(request.headers.get("host", "")) not in hosts:
            return PlainTextResponse("Unknown host name.", status_code=421)
        # Browsers send Origin on most cross-site posts, and Referer when they leave it out.
        origin = request.headers.get("origin")
        referer = request.headers.get("referer")
        source = origin if origin is not None else (referer and _origin_of(referer))
        if request.method not in SAFE_METHODS and source and source not in origins:
            return PlainTextResponse("Requests from other sites are refused.", status_code=403)
        return await call_next(request)

    return guard
