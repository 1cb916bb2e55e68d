"""Live latency of the web coach: stream a clip through the WebSocket at its real frame rate.

Starts ``backcoach serve`` in a subprocess (a fresh BACKCOACH_HOME in a temp dir) unless
``--url`` names a running one, then sends the clip's frames as the page would (downscaled
JPEG, one binary message per frame, at the clip's frame rate) and prints JSON: per-frame
server time p50/p95, round trip p50/p95 (send to answer), frames sent/processed/dropped and
processed frames per second.

    .venv/bin/python bench/live_latency.py [--clip PATH] [--width 320] [--exercise bridge]

Targets (issue 4): server p95 <= 50 ms, >= 15 processed frames a second on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import websockets

from backcoach.web.live import encode_frame

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = (
    REPO.parent
    / "shared"
    / "footage"
    / "bridge"
    / "BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"
)


def encoded_frames(
    clip: Path, width: int, quality: int, seconds: float
) -> tuple[float, list[bytes]]:
    """The clip's frames as JPEGs ``width`` px wide (encoded up front, as a browser would)."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 30)
        jpegs: list[bytes] = []
        for frame in container.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            height = round(rgb.shape[0] * width / rgb.shape[1])
            small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
            ok, data = cv2.imencode(
                ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
            )
            if ok:
                jpegs.append(data.tobytes())
            if len(jpegs) >= seconds * fps:
                break
    return fps, jpegs


def start_server(port: int, home: Path) -> subprocess.Popen[bytes]:
    """``backcoach serve`` in its own process (its log goes to home/serve.log)."""
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    command = [sys.executable, "-c", "from backcoach.cli.main import run; run()"]
    command += ["serve", "--no-browser", "--port", str(port)]
    with open(home / "serve.log", "wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(url: str, log: Path | None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/gate", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    details = log.read_text(errors="replace") if log is not None and log.exists() else ""
    raise SystemExit(f"the web coach at {url} did not answer\n{details}")


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


async def stream(url: str, exercise: str, fps: float, jpegs: list[bytes]) -> dict[str, Any]:
    ws_url = url.replace("http", "ws", 1) + f"/ws/live?tab=bench&exercise={exercise}"
    sent_at: dict[float, float] = {}
    round_trips: list[float] = []
    server_ms: list[float] = []
    last_stats: dict[str, Any] = {}
    first_answer: float | None = None
    last_answer = 0.0
    async with websockets.connect(ws_url, origin=url, max_size=None) as ws:

        async def receive() -> None:
            nonlocal last_stats, first_answer, last_answer
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") != "pose":
                    continue
                now = time.perf_counter()
                first_answer = first_answer or now
                last_answer = now
                started = sent_at.pop(message["client_t"], None)
                if started is not None:
                    round_trips.append((now - started) * 1000.0)
                server_ms.append(float(message["server_ms"]))
                last_stats = message["stats"]

        receiver = asyncio.create_task(receive())
        # The model loads on the first frame; warm it up so start-up is not measured.
        await ws.send(encode_frame(-1.0, jpegs[0]))
        while last_stats.get("processed", 0) < 1:
            await asyncio.sleep(0.05)
        server_ms.clear()
        round_trips.clear()
        first_answer = None
        warm = dict(last_stats)
        start = time.perf_counter()
        for index, jpeg in enumerate(jpegs):
            due = start + index / fps
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            client_ms = (time.perf_counter() - start) * 1000.0
            sent_at[client_ms] = time.perf_counter()
            await ws.send(encode_frame(client_ms, jpeg))
        sending_seconds = time.perf_counter() - start
        await asyncio.sleep(1.0)  # the answers still on their way
        receiver.cancel()
    processed = int(last_stats.get("processed", 0)) - int(warm.get("processed", 0))
    dropped = int(last_stats.get("dropped", 0)) - int(warm.get("dropped", 0))
    span = (last_answer - first_answer) if first_answer else 0.0
    return {
        "frames_sent": len(jpegs),
        "frames_processed": processed,
        "frames_dropped": dropped,
        "clip_fps": round(fps, 2),
        "sending_seconds": round(sending_seconds, 2),
        "processed_fps": round(processed / max(span, sending_seconds, 1e-9), 2),
        "server_ms_p50": percentile(server_ms, 50),
        "server_ms_p95": percentile(server_ms, 95),
        "round_trip_ms_p50": percentile(round_trips, 50),
        "round_trip_ms_p95": percentile(round_trips, 95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="video to stream")
    parser.add_argument("--width", type=int, default=320, help="frame width sent, in pixels")
    parser.add_argument("--quality", type=int, default=70, help="JPEG quality 1-100")
    parser.add_argument("--exercise", default="bridge", help="exercise id the server analyses")
    parser.add_argument("--seconds", type=float, default=30.0, help="stream at most this long")
    parser.add_argument("--url", help="a running web coach, e.g. http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=8765, help="port for the server it starts")
    args = parser.parse_args()
    if not args.clip.is_file():
        raise SystemExit(f"no clip at {args.clip} (is ../shared/footage there?)")
    fps, jpegs = encoded_frames(args.clip, args.width, args.quality, args.seconds)
    server = None
    with tempfile.TemporaryDirectory(prefix="backcoach-bench-") as home:
        url = args.url
        if url is None:
            url = f"http://127.0.0.1:{args.port}"
            server = start_server(args.port, Path(home))
        try:
            wait_ready(url, None if args.url else Path(home) / "serve.log")
            result = asyncio.run(stream(url, args.exercise, fps, jpegs))
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
    result.update(
        clip=args.clip.name,
        width=args.width,
        targets={"server_ms_p95_max": 50, "processed_fps_min": 15},
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
