"""Uploading a recorded video: checked, analysed in the background with progress, and the
temporary file deleted right after (kept only when saving is on). Real videos, real analysis."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import anyio
import av
import httpx
import numpy as np
import pytest

from backcoach.analysis.runner import NOBODY
from test_web_support import ORIGIN, make_harness

pytestmark = pytest.mark.anyio
FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
BRIDGE = FOOTAGE / "bridge" / "BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def empty_room_video(path: Path, seconds: float = 1.0) -> Path:
    """A short real MP4 of a plain wall with a moving light: nobody in it."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(int(seconds * 15)):
            image = np.full((120, 160, 3), 90 + 4 * i, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 15)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


async def upload_and_wait(c: httpx.AsyncClient, path: Path, query: str = "") -> dict[str, Any]:
    response = await c.post(f"/api/uploads?filename={path.name}{query}", content=path.read_bytes())
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["state"] in ("queued", "running")
    with anyio.fail_after(120):
        while job["state"] in ("queued", "running"):
            await anyio.sleep(0.1)
            job = (await c.get(f"/api/uploads/{job['id']}")).json()
    return job


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


async def test_video_without_a_person_reports_that_and_is_deleted(tmp_path: Path) -> None:
    h = make_harness(tmp_path)
    video = empty_room_video(tmp_path / "wall.mp4")
    async with client(h.app) as c:
        job = await upload_and_wait(c, video, "&exercise=bridge")
        missing = await c.get("/api/uploads/nope")
    assert job["state"] == "failed" and job["error"] == NOBODY
    assert list(h.upload_dir.iterdir()) == []
    assert missing.status_code == 404
    h.store.close()


@pytest.mark.footage
@pytest.mark.skipif(not BRIDGE.is_file(), reason=f"no footage at {BRIDGE}")
async def test_bridge_video_gives_the_analyze_report(tmp_path: Path) -> None:
    h = make_harness(tmp_path)
    async with client(h.app) as c:
        job = await upload_and_wait(c, BRIDGE, "&exercise=bridge")
    assert job["state"] == "done" and job["progress"] == 1.0
    report = job["report"]
    assert report["exercise"] == "bridge" and report["rep_count"] == 5
    assert report["source"] == BRIDGE.name  # never the temporary path
    assert list(h.upload_dir.iterdir()) == []
    h.store.close()


async def test_saving_on_keeps_the_upload(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    h = make_harness(tmp_path, save_frames=True, save_dir=saved)
    video = empty_room_video(tmp_path / "wall.mp4")
    async with client(h.app) as c:
        job = await upload_and_wait(c, video)
    (kept,) = saved.iterdir()
    assert job["saved_to"] == str(kept) and kept.read_bytes() == video.read_bytes()
    assert list(h.upload_dir.iterdir()) == []
    h.store.close()
