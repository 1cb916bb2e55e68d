"""Live capacity of one server core: landmark-only clients (pose in the browser) against
frame clients (pose on the server), on loopback, plus the browser's own pose speed.

The server runs in a subprocess pinned to one core (``os.sched_setaffinity``), with a fresh
journal in a temp dir. The web coach lets one browser tab at a time run the live coach (one
person, one session); the bench server lifts that lock, as a clinic serving several people
must, and nothing else. Each client streams a real clip at 15 frames a second for a few
seconds: landmark clients send the landmarks the Python backend found in it (as a page
would), frame clients send 320 px JPEGs. A number of clients is sustained when the server
answers at least 95 % of what was sent with p95 server time at most 20 ms. The number of
clients rises step by step (bounded) until a step fails.

Then headless Chromium runs the live coach's pose worker over the clip's frames (the page's
640 px and the server path's 320 px) and reports frames a second.

    .venv/bin/python bench/live_capacity.py [--seconds 8] [--max-clients 300] [--no-browser]

Targets (issue 12): at least 100 landmark clients on one core at 15 fps, p95 <= 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import websockets
from websockets.typing import Origin

from backcoach.analysis.engine import ANALYSIS
from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
from backcoach.pose.sources import VideoFileSource
from backcoach.web.landmark_message import landmark_message
from backcoach.web.live import encode_frame

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = (
    REPO.parent
    / "shared"
    / "footage"
    / "bridge"
    / "BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"
)
FPS = 15.0
SERVER_MS_P95_MAX = 20.0
ANSWERED_MIN = 0.95
LANDMARK_STEPS = (25, 50, 100, 150, 200, 300)
FRAME_STEPS = (1, 2, 3, 4, 6, 8)

SERVER = """
import sys
import uvicorn
from backcoach.catalog.loader import load_catalog
from backcoach.journal.store import JournalStore
from backcoach.web.app import create_app
from backcoach.web.live import TabLock
from backcoach.web.settings import WebSettings


class EveryTab(TabLock):
    def acquire(self, tab_id, on_replace):
        return True

    def release(self, tab_id, on_replace):
        pass


port, home = int(sys.argv[1]), sys.argv[2]
store = JournalStore.open(f"sqlite:///{home}/journal.sqlite3")
app = create_app(WebSettings(port=port, upload_dir=None), store, load_catalog())
app.state.backcoach.tabs = EveryTab()
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_max_size=1 << 20)
"""


def clip_messages(clip: Path, seconds: float) -> tuple[list[str], list[bytes]]:
    """The clip at 15 fps: landmark messages (Python's pose of 640 px frames) and JPEGs."""
    landmarks: list[str] = []
    jpegs: list[bytes] = []
    source = VideoFileSource(clip, max_fps=FPS, max_width=ANALYSIS.max_width, end=seconds)
    with MediaPipePoseEstimator() as estimator:
        for frame in source:
            pose = estimator.estimate(frame.rgb, frame.timestamp, frame.index)
            landmarks.append(json.dumps(landmark_message(pose, 0.0), separators=(",", ":")))
            height = round(frame.rgb.shape[0] * 320 / frame.rgb.shape[1])
            small = cv2.resize(frame.rgb, (320, height), interpolation=cv2.INTER_AREA)
            ok, data = cv2.imencode(
                ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 70]
            )
            assert ok
            jpegs.append(data.tobytes())
    return landmarks, jpegs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def one_core_server(home: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    core = sorted(os.sched_getaffinity(0))[0]
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), str(home)],
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
        stdout=subprocess.DEVNULL,
        stderr=open(home / "server.log", "wb"),  # noqa: SIM115 - closed with the process
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit((home / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(15)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait_seconds(pid: int) -> float:
    """Time the server's threads spent ready to run but waiting for the core (schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9


class Client:
    def __init__(self) -> None:
        self.sent = 0
        self.answered = 0
        self.bytes_sent = 0
        self.bytes_received = 0
        self.server_ms: list[float] = []
        self.wait_ms: list[float] = []


async def run_client(
    url: str, name: str, mode: str, messages: list[Any], seconds: float, start: float
) -> Client:
    client = Client()
    ws_url = url.replace("http", "ws", 1) + f"/ws/live?tab={name}&exercise=bridge&pose={mode}"
    async with websockets.connect(ws_url, origin=Origin(url), max_size=None) as ws:

        async def receive() -> None:
            async for raw in ws:
                client.bytes_received += len(raw)
                if isinstance(raw, bytes) or not raw.startswith('{"type": "pose"'):
                    continue  # the session's state, four times a second
                message = json.loads(raw)
                if message.get("type") == "pose":
                    client.answered += 1
                    client.server_ms.append(float(message["server_ms"]))
                    client.wait_ms.append(float(message["wait_ms"]))

        receiver = asyncio.create_task(receive())
        if mode == "server":  # the model loads on the first frame: not measured
            await ws.send(encode_frame(0.0, messages[0]))
            while client.answered < 1:
                await asyncio.sleep(0.05)
            client.answered = 0
            client.server_ms.clear()
            client.wait_ms.clear()
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        began = time.perf_counter()
        index = 0
        while (now := time.perf_counter()) - began < seconds:
            t_ms = (now - began) * 1000.0 + 1.0
            if mode == "server":
                data: str | bytes = encode_frame(t_ms, messages[index % len(messages)])
            else:
                data = messages[index % len(messages)].replace('"t":0.0', f'"t":{t_ms:.1f}', 1)
            await ws.send(data)
            client.sent += 1
            client.bytes_sent += len(data)
            index += 1
            await asyncio.sleep(max(0.0, began + index / FPS - time.perf_counter()))
        await asyncio.sleep(1.0)  # answers still on their way
        receiver.cancel()
    return client


async def step(
    url: str, mode: str, count: int, messages: list[Any], seconds: float, start: float
) -> list[Client]:
    return await asyncio.gather(
        *(run_client(url, f"c{i}", mode, messages, seconds, start) for i in range(count))
    )


def sample_server(pid: int, at: float, into: list[tuple[float, float, float]]) -> None:
    """Record the server's CPU and run-queue seconds at the moment ``at`` (perf_counter)."""
    time.sleep(max(0.0, at - time.perf_counter()))
    into.append((time.perf_counter(), cpu_seconds(pid), runqueue_wait_seconds(pid)))


def measure(
    url: str, pid: int, mode: str, count: int, messages: list[Any], seconds: float
) -> dict[str, Any]:
    start = time.perf_counter() + 2.0 + (1.5 * count if mode == "server" else 0.02 * count)
    samples: list[tuple[float, float, float]] = []
    samplers = [
        threading.Thread(target=sample_server, args=(pid, at, samples))
        for at in (start + 0.5, start + seconds - 0.5)  # while every client streams
    ]
    for sampler in samplers:
        sampler.start()
    cpu_before = cpu_seconds(pid)
    clients = asyncio.run(step(url, mode, count, messages, seconds, start))
    cpu_used = cpu_seconds(pid) - cpu_before
    for sampler in samplers:
        sampler.join()
    (t0, cpu0, wait0), (t1, cpu1, wait1) = sorted(samples)
    cpu = (cpu1 - cpu0) / (t1 - t0)
    waited = (wait1 - wait0) / (t1 - t0)
    server_ms = [ms for c in clients for ms in c.server_ms]
    wait_ms = [ms for c in clients for ms in c.wait_ms]
    sent = sum(c.sent for c in clients)
    answered = sum(c.answered for c in clients)
    p95 = float(np.percentile(server_ms, 95)) if server_ms else float("inf")
    share = answered / max(sent, 1)
    return {
        "clients": count,
        "sent": sent,
        "answered_share": round(share, 3),
        "server_ms_p50": round(float(np.percentile(server_ms, 50)), 2) if server_ms else None,
        "server_ms_p95": round(p95, 2),
        "wait_ms_p95": round(float(np.percentile(wait_ms, 95)), 2) if wait_ms else None,
        # While every client streams: the share of the core the server used, and the seconds
        # a second it was ready to run while the core ran something else.
        "server_core_share": round(cpu, 2),
        "server_waiting_for_core": round(waited, 2),
        # What one answer costs the server in CPU (its state ticks included), and so how many
        # clients at 15 fps a core that is not shared with anything else would carry.
        "server_cpu_ms_per_answer": round(cpu_used * 1000 / max(answered, 1), 3),
        "clients_per_free_core": round(1000 / (cpu_used * 1000 / max(answered, 1)) / FPS),
        "bytes_per_second_up": round(sum(c.bytes_sent for c in clients) / count / seconds),
        "bytes_per_second_down": round(sum(c.bytes_received for c in clients) / count / seconds),
        "sustained": share >= ANSWERED_MIN and p95 <= SERVER_MS_P95_MAX,
    }


def ramp(
    url: str,
    pid: int,
    mode: str,
    steps: tuple[int, ...],
    messages: list[Any],
    seconds: float,
    limit: int,
) -> dict[str, Any]:
    results = []
    best = 0
    for count in steps:
        if count > limit:
            break
        result = measure(url, pid, mode, count, messages, seconds)
        results.append(result)
        print(json.dumps({mode: result}), file=sys.stderr)
        if not result["sustained"]:
            break
        best = count
    return {"sustained_clients": best, "steps": results}


BROWSER_RUN = """async ([count, width]) => {
  const worker = new Worker("/static/pose_worker.js");
  let answer = null;
  worker.onmessage = (event) => { const a = answer; answer = null; a(event.data); };
  const ask = (message, transfer) => new Promise((resolve) => {
    answer = resolve; worker.postMessage(message, transfer || []);
  });
  const ready = await ask({ type: "start", assets: "/pose-model/" });
  const images = [];
  for (let i = 0; i < count; i += 1) {
    const blob = await (await fetch(`/bench-frames/${width}/${i}.png`)).blob();
    images.push(await createImageBitmap(blob));
  }
  for (let i = 0; i < 5; i += 1) {  // warm-up, not timed
    await ask({ type: "frame", id: i, image: await createImageBitmap(images[i]) });
  }
  const started = performance.now();
  for (const image of images) await ask({ type: "frame", id: 0, image }, [image]);
  const seconds = (performance.now() - started) / 1000;
  worker.terminate();
  return { load_ms: ready.ms, fps: count / seconds };
}"""


def browser_fps(clip: Path, seconds: float) -> dict[str, Any]:
    """The pose worker's frames a second in headless Chromium (SwiftShader, no GPU)."""
    import shutil

    import uvicorn
    from fastapi.staticfiles import StaticFiles
    from playwright.sync_api import sync_playwright

    from backcoach.catalog.loader import load_catalog
    from backcoach.journal.store import JournalStore
    from backcoach.web.app import create_app
    from backcoach.web.settings import WebSettings

    chromium = shutil.which("chromium")
    if chromium is None:
        return {"skipped": "Debian's chromium is not installed"}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="backcoach-bench-") as home:
        frames = Path(home) / "frames"
        counts = {}
        for width in (ANALYSIS.max_width, 320):
            (frames / str(width)).mkdir(parents=True)
            source = VideoFileSource(clip, max_fps=FPS, max_width=width, end=seconds)
            for index, frame in enumerate(source):
                path = frames / str(width) / f"{index}.png"
                cv2.imwrite(str(path), cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR))
                counts[width] = index + 1
        port = free_port()
        store = JournalStore.open(f"sqlite:///{home}/journal.sqlite3")
        app = create_app(WebSettings(port=port), store, load_catalog())
        app.mount("/bench-frames", StaticFiles(directory=frames))
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
                )
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/static/favicon.svg")
                for width, count in counts.items():
                    found = page.evaluate(BROWSER_RUN, [count, width])
                    results[f"fps_{width}px"] = round(found["fps"], 1)
                    results["model_load_ms"] = round(found["load_ms"])
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)
            store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="video to stream")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds each step streams")
    parser.add_argument("--max-clients", type=int, default=300, help="landmark clients at most")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser's pose fps")
    args = parser.parse_args()
    if not args.clip.is_file():
        raise SystemExit(f"no clip at {args.clip} (is ../shared/footage there?)")
    landmarks, jpegs = clip_messages(args.clip, args.seconds)
    with (
        tempfile.TemporaryDirectory(prefix="backcoach-bench-") as home,
        one_core_server(Path(home)) as (url, pid),
    ):
        browser_mode = ramp(
            url, pid, "browser", LANDMARK_STEPS, landmarks, args.seconds, args.max_clients
        )
        server_mode = ramp(
            url, pid, "server", FRAME_STEPS, jpegs, args.seconds, len(FRAME_STEPS) * 8
        )
    result: dict[str, Any] = {
        "clip": args.clip.name,
        "fps": FPS,
        "criteria": {"server_ms_p95_max": SERVER_MS_P95_MAX, "answered_share_min": ANSWERED_MIN},
        "landmark_clients": browser_mode,
        "frame_clients": server_mode,
        "landmark_message_bytes": round(float(np.mean([len(m) for m in landmarks]))),
        "jpeg_message_bytes": round(float(np.mean([len(j) for j in jpegs])) + 8),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if not args.no_browser:
        result["browser_pose"] = browser_fps(args.clip, min(args.seconds, 4.0))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
