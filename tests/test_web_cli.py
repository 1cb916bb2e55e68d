"""``backcoach serve``: binds 127.0.0.1, serves the coach from BACKCOACH_HOME, clear errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from backcoach.cli.main import app

BACKCOACH = Path(sys.executable).parent / "backcoach"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_help_lists_its_options() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--no-browser", "--save", "--max-upload-mb"):
        assert option in result.output


def test_serve_starts_on_loopback_and_shows_the_screen_first(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "BACKCOACH_HOME": str(tmp_path / "home")}
    env.pop("BACKCOACH_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(BACKCOACH), "serve", "--no-browser", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/screen", timeout=2) as page:
                    body = page.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "backcoach serve did not answer"
                time.sleep(0.2)
        assert "Before you exercise" in body
        assert (tmp_path / "home" / "journal.sqlite3").is_file()
        # A second server on the same port fails with a message, not a traceback.
        second = subprocess.run(
            [str(BACKCOACH), "serve", "--no-browser", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "Traceback" not in second.stderr
    finally:
        server.terminate()
        server.wait(15)
    assert "127.0.0.1" in (server.stdout.read().decode() if server.stdout else "")
