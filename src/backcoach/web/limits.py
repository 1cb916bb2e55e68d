"""Request bodies are bounded before they are read: a declared length over the limit is
refused at once, and a body that streams past it is cut off as soon as it does."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcoach.errors import InputError

MAX_FORM_BYTES = 1024 * 1024  # every body but an uploaded video: JSON commands, page forms


def body_too_large(limit: int) -> InputError:
    # "larger than the limit" is what makes the app answer 413.
    return InputError(f"The request is larger than the limit of {limit // 1024} KB.")


class BodyLimit:
    """ASGI middleware; ``limit_for(path)`` gives the largest body a path accepts, or None
    for a route that bounds its own body (uploads, with their own message)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.limit_for(path)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refusal(path, str(body_too_large(limit)))(scope, receive, send)
            return
        received = 0
        started = False

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        too_large = False
        try:
            await self.app(scope, bounded, watched)
        except* _TooLarge:  # raised in the app's tasks, so it may come in exception groups
            if started:
                raise
            too_large = True
        if too_large:
            await _refusal(path, str(body_too_large(limit)))(scope, receive, send)


class _TooLarge(Exception):
    """The body went past the limit while the app was reading it."""


def _refusal(path: str, message: str) -> Response:
    if path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=413)
    return PlainTextResponse(message, status_code=413)
