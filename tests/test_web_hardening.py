"""Smaller hardening of the web coach and the data folder: private files, Referer checks,
explicit host names beyond loopback."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backcoach.config import ensure_home, resolve_paths
from backcoach.errors import ConfigError
from backcoach.journal.store import JournalStore
from backcoach.web.guard import allowed_hosts
from backcoach.web.settings import WebSettings
from test_web_support import ORIGIN, jpeg_message, make_harness

BACKCOACH = Path(sys.executable).with_name("backcoach")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_journal_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths = resolve_paths({"BACKCOACH_HOME": str(tmp_path / "data" / "backcoach")})
        ensure_home(paths)
        JournalStore.from_paths(paths).close()
    finally:
        os.umask(old)
    assert mode(paths.home) == 0o700
    assert mode(paths.home.parent) == 0o700
    assert paths.sqlite_path is not None and mode(paths.sqlite_path) == 0o600


def test_saved_live_frames_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        h = make_harness(tmp_path, save_frames=True, save_dir=tmp_path / "saved")
        with (
            TestClient(h.app, base_url=ORIGIN) as client,
            client.websocket_connect(
                "/ws/live?tab=a&exercise=bridge", headers={"origin": ORIGIN}
            ) as ws,
        ):
            ws.send_bytes(jpeg_message(0.0))
            while json.loads(ws.receive_text())["type"] != "pose":
                pass
        h.store.close()
    finally:
        os.umask(old)
    frames = list((tmp_path / "saved").rglob("*.jpg"))
    assert frames and all(mode(frame) == 0o600 for frame in frames)
    assert mode(tmp_path / "saved") == 0o700
    assert all(mode(frame.parent) == 0o700 for frame in frames)


def test_serve_help_and_settings_agree_that_saving_keeps_live_frames() -> None:
    done = subprocess.run(
        [str(BACKCOACH), "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    assert "live camera frames" in done.stdout
    assert "never kept" not in (WebSettings.__doc__ or "")


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"referer": "http://evil.example/page"}, True),
        ({"referer": f"{ORIGIN}/session"}, False),
        ({"origin": "http://evil.example", "referer": f"{ORIGIN}/"}, True),
        ({}, False),  # neither: a script on this computer, not a browser page from elsewhere
    ],
)
def test_a_post_without_origin_is_judged_by_its_referer(
    tmp_path: Path, headers: dict[str, str], refused: bool
) -> None:
    h = make_harness(tmp_path)
    client = TestClient(h.app, base_url=ORIGIN)
    answer = client.post("/api/session/command", json={"command": "pause"}, headers=headers)
    h.store.close()
    assert (answer.status_code == 403) == refused, answer.text


def test_listening_on_every_address_needs_named_hosts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--allow-host"):
        allowed_hosts(WebSettings(host="0.0.0.0"))
    h = make_harness(tmp_path, host="0.0.0.0", allowed_hosts=("mypc.local",))
    client = TestClient(h.app)
    assert client.get("/api/gate", headers={"host": "mypc.local:8000"}).status_code == 200
    assert client.get("/api/gate", headers={"host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/api/gate", headers={"host": "evil.example"}).status_code == 421
    h.store.close()


def test_serve_on_every_address_without_names_says_so(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BACKCOACH), "serve", "--host", "0.0.0.0", "--no-browser", "--port", "1"],
        capture_output=True,
        text=True,
        env={**os.environ, "BACKCOACH_HOME": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode != 0
    assert "--allow-host" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_a_truncated_upload_is_named_as_uploaded_never_by_its_temporary_path(
    tmp_path: Path,
) -> None:
    from backcoach.web.report import analyze_upload
    from test_web_upload import client, empty_room_video, upload_and_wait

    whole = empty_room_video(tmp_path / "whole.mkv", 3.0).read_bytes()
    clip = tmp_path / "my clip.mkv"
    clip.write_bytes(whole[: len(whole) * 6 // 10])
    h = make_harness(tmp_path, analyze=analyze_upload)
    async with client(h.app) as c:
        job = await upload_and_wait(c, clip, "&exercise=bridge")
    h.store.close()
    assert job["state"] == "failed"
    assert "my clip.mkv is damaged or cut short" in job["error"]
    assert "backcoach-upload" not in job["error"] and str(h.upload_dir) not in job["error"]
