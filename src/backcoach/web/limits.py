"""Request bodies are bounded before they are read: a declared length over the limit is
refused at once, a body that streams past it is cut off as soon as it does, and a body that
stops arriving is given up after a pause."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcoach.errors import InputError

MAX_FORM_BYTES = 1024 * 1024  # every body but an uploaded video: JSON commands, page forms
BODY_IDLE_SECONDS = 30.0  # longest pause while a body is arriving
TOO_SLOW = "The request stopped arriving part-way; send it again."


def body_too_large(limit: int) -> InputError:
    # "larger than the limit" is what makes the app answer 413.
    return InputError(f"The request is larger than the limit of {limit // 1024} KB.")


class BodyLimit:
    """ASGI middleware; ``limit_for(path)`` gives the largest body a path accepts, or None
    for a route that bounds its own size (uploads, with their own message). Every body must
    also keep arriving: a pause longer than ``idle_seconds`` ends the request with 408."""

    def __init__(
        self,
        app: ASGIApp,
        limit_for: Callable[[str], int | None],
        idle_seconds: float = BODY_IDLE_SECONDS,
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.limit_for(path)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            await _refusal(path, 413, str(body_too_large(limit)))(scope, receive, send)
            return
        received = 0
        body_done = False
        started = False

        async def bounded() -> Message:
            nonlocal received, body_done
            if body_done:  # after the body, the app only waits to hear of a disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_seconds)
            except TimeoutError:
                raise _TooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if limit is not None and received > limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        refusal: Response | None = None
        try:
            await self.app(scope, bounded, watched)
        except* _TooLarge:  # raised in the app's tasks, so it may come in exception groups
            if started or limit is None:
                raise
            refusal = _refusal(path, 413, str(body_too_large(limit)))
        except* _TooSlow:
            if started:
                raise
            refusal = _refusal(path, 408, TOO_SLOW)
        if refusal is not None:
            await refusal(scope, receive, send)


class _TooLarge(Exception):
    """The body went past the limit while the app was reading it."""


class _TooSlow(Exception):
    """The body stopped arriving."""


def _refusal(path: str, status: int, message: str) -> Response:
    if path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)
