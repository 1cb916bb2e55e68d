"""Slow and vanishing clients: headers that never finish are timed out, a body that stops
arriving is answered 408, and a client that goes away mid-upload leaves no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from backcoach.web.limits import BodyLimit
from backcoach.web.server import HEADER_SECONDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """The real ``backcoach serve`` and its log."""
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    log_path = home / "serve.log"
    log = log_path.open("wb")
    command = [sys.executable, "-c", "from backcoach.cli.main import run; run()"]
    process = subprocess.Popen(
        [*command, "serve", "--no-browser", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/gate", timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
    yield port, log_path
    process.terminate()
    process.wait(timeout=30)
    log.close()


def closed_within(connection: socket.socket, seconds: float) -> bool:
    connection.settimeout(seconds)
    try:
        while connection.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def test_headers_that_never_finish_are_timed_out(serve: tuple[int, Path]) -> None:
    port, _log = serve
    # Both at once: each is closed within the header time, not one after the other.
    with (
        socket.create_connection(("127.0.0.1", port)) as connection,
        socket.create_connection(("127.0.0.1", port)) as silent,
    ):
        connection.sendall(b"GET /api/gate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert closed_within(connection, HEADER_SECONDS + 5)
        assert closed_within(silent, 5)


def test_a_client_gone_mid_upload_leaves_no_traceback(serve: tuple[int, Path]) -> None:
    port, log = serve
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(
                b"POST /api/uploads?filename=a.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Origin: http://127.0.0.1:8000\r\nContent-Length: 10000000\r\n\r\n"
                + b"\0"
                * 200_000
            )
        time.sleep(0.5)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/gate", timeout=5) as answer:
        assert answer.status == 200
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "ClientDisconnect" not in text, text


def test_a_body_that_stops_arriving_is_answered_408() -> None:
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app = Starlette(
        routes=[Route("/", echo, methods=["POST"])],
        middleware=[Middleware(BodyLimit, limit_for=lambda _path: 1000, idle_seconds=0.5)],
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            answer = connection.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            assert connection.recv(4096).endswith(b"3")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
