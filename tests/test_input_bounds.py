"""Outside JSON is bounded before it is parsed (nesting) and request bodies before they are
read (size): a clear error, never a RecursionError traceback or a server that reads 300 MB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from backcoach.jsonio import nesting_depth
from test_web_support import ORIGIN, WebHarness, make_harness

BACKCOACH = Path(sys.executable).with_name("backcoach")
DEEP = "[" * 100_000 + "]" * 100_000


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    return subprocess.run(
        [str(BACKCOACH), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_nesting_is_measured_outside_strings() -> None:
    assert nesting_depth(b'{"a": [1, {"b": "[[[[[[{{{{"}], "c": "\\"[["}') == 3
    assert nesting_depth(b"[]" * 1000) == 1
    assert nesting_depth(DEEP.encode()) == 100_000


@pytest.mark.parametrize(
    "args",
    [
        ("screen", "--answers", "{file}"),
        ("import", "{file}"),
        ("analyze", "video.mp4", "--landmarks", "{file}"),
    ],
)
def test_commands_refuse_deeply_nested_json_in_one_sentence(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP, encoding="utf-8")
    (tmp_path / "video.mp4").write_bytes(b"")
    os.chdir(tmp_path)
    done = run(tmp_path / "home", *(arg.format(file=deep) for arg in args))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert "levels deep" in done.stderr


@pytest.fixture
def web(tmp_path: Path) -> Iterator[WebHarness]:
    harness = make_harness(tmp_path)
    yield harness
    harness.store.close()


def test_json_api_refuses_deep_nesting_with_400(web: WebHarness) -> None:
    client = TestClient(web.app, base_url=ORIGIN, raise_server_exceptions=False)
    for path in ("/api/session/command", "/api/session/pain", "/api/session/start"):
        answer = client.post(
            path, content=DEEP, headers={"origin": ORIGIN, "content-type": "application/json"}
        )
        assert answer.status_code == 400, (path, answer.text)
        assert "levels deep" in answer.json()["error"]


@pytest.fixture
def live_server(web: WebHarness) -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def post_raw(port: int, head: str, body_chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """Send a request by hand; returns the answer and how many body bytes went out before it."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        connection.settimeout(0.001)
        answer = b""
        for chunk in body_chunks:
            try:
                connection.sendall(chunk)
                sent += len(chunk)
            except OSError:
                break
            try:
                answer += connection.recv(65536)
            except (TimeoutError, BlockingIOError):
                continue
            if answer:
                break
        connection.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = connection.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    return answer, sent


def test_a_300_mb_body_is_refused_without_being_read(live_server: int) -> None:
    size = 300 * 1024 * 1024
    head = (
        "POST /api/session/command HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Origin: {ORIGIN}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    )
    answer, sent = post_raw(live_server, head, iter([b" " * 65536] * (size // 65536)))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 16 * 1024 * 1024


def test_a_chunked_body_is_cut_off_past_the_limit(live_server: int) -> None:
    head = (
        "POST /api/session/command HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Origin: {ORIGIN}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    answer, sent = post_raw(live_server, head, iter([chunk] * 4800))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 16 * 1024 * 1024
