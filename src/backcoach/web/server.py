"""Running the web coach under uvicorn, with time limits on slow clients.

uvicorn gives up on idle kept-alive connections but not on a request whose headers arrive a
byte at a time (or never finish); a handful of such connections would hold the coach's
sockets open for ever. The protocol below closes a connection whose request headers are not
complete ``HEADER_SECONDS`` after the connection opened or the request began. Bodies are
timed by ``web.limits.BodyLimit``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5


class HeaderTimeoutProtocol(HttpToolsProtocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(HEADER_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def run(
    app: Any, host: str, port: int, certfile: str | None = None, keyfile: str | None = None
) -> None:
    """Serve ``app``; over HTTPS when given a certificate and its key (PEM files)."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=HeaderTimeoutProtocol,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )
