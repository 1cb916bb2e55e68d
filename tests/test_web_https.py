"""``backcoach serve --certfile --keyfile``: the coach over HTTPS, as a phone's browser needs it
to give the page its camera. A self-signed certificate is made with openssl in a temp dir."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import websockets
from typer.testing import CliRunner

from backcoach.cli.main import app
from backcoach.errors import ConfigError
from test_web_cli import BACKCOACH, free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is missing")


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def serve(tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(tmp_path / "home")}
    env.pop("BACKCOACH_DATABASE_URL", None)
    return subprocess.Popen(
        [str(BACKCOACH), "serve", "--no-browser", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_answer(
    server: subprocess.Popen[str], url: str, trusted: ssl.SSLContext, within: float
) -> httpx.Response:
    """The first answer over HTTPS from a server still starting up."""
    deadline = time.monotonic() + within
    while True:
        try:
            return httpx.get(url, verify=trusted, timeout=2)
        except httpx.TransportError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, f"{url} did not answer over HTTPS"
            time.sleep(0.2)


async def first_live_message(url: str, context: ssl.SSLContext) -> dict[str, object]:
    socket_url = url.replace("https", "wss", 1) + "/ws/live?tab=phone&pose=browser"
    async with websockets.connect(socket_url, origin=url, ssl=context) as ws:  # type: ignore[arg-type]
        message: dict[str, object] = json.loads(await ws.recv())
        return message


def test_serve_over_https_with_a_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, "coach")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    server = serve(tmp_path, "--port", str(port), "--certfile", str(cert), "--keyfile", str(key))
    trusted = ssl.create_default_context(cafile=str(cert))
    try:
        page = first_answer(server, url + "/screen", trusted, within=30)
        assert page.status_code == 200 and "Before you exercise" in page.text
        # The pose model for the browser comes from the coach itself, over HTTPS too.
        wasm = httpx.get(url + "/pose-model/pose_solution_simd_wasm_bin.wasm", verify=trusted)
        if wasm.status_code == 200:  # installed by scripts/setup.sh
            assert wasm.headers["content-type"] == "application/wasm"
        # The live socket accepts the page's own https origin.
        message = asyncio.run(first_live_message(url, trusted))
        assert message["type"] == "state" and message["pose"] == "browser"
        # Plain HTTP on the same port is not served.
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/screen", timeout=2)
    finally:
        server.terminate()
        server.wait(15)
    assert url + "/" in (server.stdout.read() if server.stdout else "")


@pytest.mark.parametrize("case", ["no key", "missing file", "key of another certificate"])
def test_unusable_certificate_files_give_a_clear_message(tmp_path: Path, case: str) -> None:
    cert, key = self_signed(tmp_path, "coach")
    _, other_key = self_signed(tmp_path, "other")
    options = {
        "no key": ["--certfile", str(cert)],
        "missing file": ["--certfile", str(tmp_path / "nope.pem"), "--keyfile", str(key)],
        "key of another certificate": ["--certfile", str(cert), "--keyfile", str(other_key)],
    }[case]
    # Refused before anything is opened, so the command runs in-process (``backcoach``'s own
    # entry point prints a ConfigError as a message, without a traceback).
    result = CliRunner().invoke(app, ["serve", "--no-browser", *options])
    assert result.exit_code != 0 and isinstance(result.exception, ConfigError)
    expected = {
        "no key": "needs both --certfile and --keyfile",
        "missing file": "does not exist",
        "key of another certificate": "cannot be used together",
    }[case]
    assert expected in str(result.exception)


def test_a_clinic_is_served_over_https_too(
    tmp_path: Path, new_postgres_database: Callable[[str], str]
) -> None:
    """In clinic mode a phone on the mat can be the camera only if the clinic page is HTTPS."""
    cert, key = self_signed(tmp_path, "clinic")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BACKCOACH_HOME": str(tmp_path / "home"),
        "BACKCOACH_CLINIC_DATABASE_URL": new_postgres_database("https"),
        "BACKCOACH_CLINIC_SECRET": "s" * 40,
        "BACKCOACH_CLINIC_PUBLIC_ORIGINS": url,
    }
    server = subprocess.Popen(
        [
            *(str(BACKCOACH), "serve", "--clinic", "--port", str(port)),
            *("--certfile", str(cert), "--keyfile", str(key)),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    trusted = ssl.create_default_context(cafile=str(cert))
    try:
        page = first_answer(server, url + "/signin", trusted, within=60)
        assert page.status_code == 200 and "Sign in" in page.text
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/signin", timeout=2)
    finally:
        server.terminate()
        server.wait(15)
