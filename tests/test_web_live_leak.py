"""Live connections free what they hold: the real server, the real pose model, 200 connections.

Some connections close while the model is still loading, some after reading one message and
some after frames were processed. The server's memory is compared with what it held after a
first warm-up connection (which loads mediapipe's libraries once for the life of the server).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import websockets

from backcoach.web.live import encode_frame

pytestmark = pytest.mark.slow

CONNECTIONS = 200
MEMORY_SLACK_MB = 50


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {**os.environ, "BACKCOACH_HOME": str(tmp_path / "home")}
    env.pop("BACKCOACH_DATABASE_URL", None)
    env.pop("MALLOC_ARENA_MAX", None)
    command = [sys.executable, "-c", "from backcoach.cli.main import run; run()"]
    command += ["serve", "--no-browser", "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/api/gate", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail((tmp_path / "serve.log").read_text(errors="replace"))
                time.sleep(0.2)
        yield process, url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def memory_and_threads(pid: int) -> tuple[float, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def jpeg() -> bytes:
    picture = np.full((240, 320, 3), 128, dtype=np.uint8)
    cv2.circle(picture, (160, 120), 60, (30, 90, 200), -1)
    ok, data = cv2.imencode(".jpg", picture)
    assert ok
    return bytes(data.tobytes())


async def connect_once(url: str, index: int, frame: bytes) -> None:
    ws_url = url.replace("http", "ws", 1) + f"/ws/live?tab=leak{index}&exercise=bridge"
    async with websockets.connect(ws_url, origin=url) as ws:
        kind = index % 3
        if kind == 1:  # one state message, then gone (the model is usually still loading)
            await ws.recv()
        elif kind == 2:  # a few frames processed by the model
            for number in range(3):
                await ws.send(encode_frame(1000.0 + 33.0 * number, frame))
                while json.loads(await ws.recv())["type"] != "pose":
                    pass
        # kind 0: closed at once, while the model loads


def settle(pid: int, threads: int, timeout: float = 60.0) -> tuple[float, int]:
    """The server's memory and threads once the closed connections' threads have ended."""
    deadline = time.monotonic() + timeout
    while True:
        memory, now = memory_and_threads(pid)
        if now <= threads or time.monotonic() > deadline:
            return memory, now
        time.sleep(0.5)


def test_live_connections_leave_no_memory_or_threads_behind(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = server
    frame = jpeg()
    _, threads_at_start = memory_and_threads(process.pid)
    asyncio.run(connect_once(url, 2, frame))
    memory_warm, _ = settle(process.pid, threads_at_start)

    async def many() -> None:
        for index in range(CONNECTIONS):
            await connect_once(url, index, frame)

    asyncio.run(many())
    memory_after, threads_after = settle(process.pid, threads_at_start)
    assert process.poll() is None
    assert threads_after == threads_at_start
    assert memory_after - memory_warm <= MEMORY_SLACK_MB, (memory_warm, memory_after)
