"""Live soak of the web coach: one camera stream for minutes, with periodic reconnects.

Starts ``backcoach serve`` on 127.0.0.1 in a subprocess (a fresh BACKCOACH_HOME in a temp
dir), streams a clip's frames in a loop at the clip's frame rate as the page would, closes
and reopens the WebSocket every ``--reconnect-seconds``, and every ``--sample-seconds``
records the server's memory (RSS) and threads (from /proc) with the frames sent, processed
and dropped and the round-trip p50/p95 of that interval. Prints JSON.

    .venv/bin/python bench/live_soak.py [--minutes 10] [--reconnect-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

from backcoach.web.live import encode_frame
from live_latency import DEFAULT_CLIP, encoded_frames, percentile, start_server, wait_ready


def memory_and_threads(pid: int) -> tuple[float, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return round(int(fields["VmRSS"].split()[0]) / 1024, 1), int(fields["Threads"])


@dataclass
class Interval:
    sent: int = 0
    processed: int = 0
    dropped: int = 0
    round_trips: list[float] = field(default_factory=list)


async def one_connection(
    url: str, exercise: str, fps: float, jpegs: list[bytes], seconds: float
) -> None:
    """Stream for ``seconds`` on one connection; counts go into the sampler's interval."""
    ws_url = url.replace("http", "ws", 1) + f"/ws/live?tab=soak&exercise={exercise}"
    sent_at: dict[float, float] = {}
    last_dropped = 0
    async with websockets.connect(ws_url, origin=url, max_size=None) as ws:

        async def receive() -> None:
            nonlocal last_dropped
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") != "pose":
                    continue
                interval = SAMPLER.current
                interval.processed += 1
                started = sent_at.pop(message["client_t"], None)
                if started is not None:
                    interval.round_trips.append((time.perf_counter() - started) * 1000.0)
                dropped = int(message["stats"]["dropped"])
                interval.dropped += dropped - last_dropped
                last_dropped = dropped

        receiver = asyncio.create_task(receive())
        start = time.perf_counter()
        index = 0
        while time.perf_counter() - start < seconds:
            due = start + index / fps
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            client_ms = (time.perf_counter() - start) * 1000.0
            sent_at[client_ms] = time.perf_counter()
            await ws.send(encode_frame(client_ms, jpegs[index % len(jpegs)]))
            SAMPLER.current.sent += 1
            index += 1
        await asyncio.sleep(0.5)  # the last answers
        receiver.cancel()


class Sampler:
    """The interval now being counted; the sampling task swaps in a fresh one."""

    def __init__(self) -> None:
        self.current = Interval()


SAMPLER = Sampler()


async def soak(
    url: str, pid: int, args: argparse.Namespace, fps: float, jpegs: list[bytes]
) -> dict[str, Any]:
    samples: list[dict[str, Any]] = []
    began = time.monotonic()
    total = args.minutes * 60.0
    rss0, threads0 = memory_and_threads(pid)

    def take_sample() -> None:
        interval, SAMPLER.current = SAMPLER.current, Interval()
        rss, threads = memory_and_threads(pid)
        samples.append(
            {
                "t_seconds": round(time.monotonic() - began, 1),
                "rss_mb": rss,
                "threads": threads,
                "sent": interval.sent,
                "processed": interval.processed,
                "dropped": interval.dropped,
                "round_trip_ms_p50": percentile(interval.round_trips, 50),
                "round_trip_ms_p95": percentile(interval.round_trips, 95),
            }
        )

    async def sample_forever() -> None:
        while True:
            await asyncio.sleep(args.sample_seconds)
            take_sample()

    sampler = asyncio.create_task(sample_forever())
    connections = 0
    while (left := total - (time.monotonic() - began)) > 1.0:
        await one_connection(url, args.exercise, fps, jpegs, min(args.reconnect_seconds, left))
        connections += 1
    sampler.cancel()
    take_sample()  # the last, shorter interval
    await asyncio.sleep(2.0)  # the last connection's model is released
    rss_end, threads_end = memory_and_threads(pid)
    return {
        "minutes": args.minutes,
        "connections": connections,
        "rss_mb_start": rss0,
        "rss_mb_after_first_sample": samples[0]["rss_mb"] if samples else None,
        "rss_mb_max": max((s["rss_mb"] for s in samples), default=None),
        "rss_mb_end": rss_end,
        "threads_start": threads0,
        "threads_end": threads_end,
        "frames_sent": sum(s["sent"] for s in samples),
        "frames_processed": sum(s["processed"] for s in samples),
        "frames_dropped": sum(s["dropped"] for s in samples),
        "round_trip_ms_p95_worst_interval": max(
            (s["round_trip_ms_p95"] or 0 for s in samples), default=None
        ),
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to stream")
    parser.add_argument("--reconnect-seconds", type=float, default=60.0)
    parser.add_argument("--sample-seconds", type=float, default=15.0)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="video to stream")
    parser.add_argument("--seconds-of-clip", type=float, default=20.0, help="looped part")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--exercise", default="bridge")
    parser.add_argument("--port", type=int, default=8766, help="port on 127.0.0.1")
    args = parser.parse_args()
    if not 0 < args.minutes <= 120:
        raise SystemExit("--minutes must be more than 0 and at most 120")
    if not args.clip.is_file():
        raise SystemExit(f"no clip at {args.clip} (is ../shared/footage there?)")
    fps, jpegs = encoded_frames(args.clip, args.width, 70, args.seconds_of_clip)
    with tempfile.TemporaryDirectory(prefix="backcoach-soak-") as home:
        url = f"http://127.0.0.1:{args.port}"
        server = start_server(args.port, Path(home))
        try:
            wait_ready(url, Path(home) / "serve.log")
            result = asyncio.run(soak(url, server.pid, args, fps, jpegs))
        finally:
            server.terminate()
            server.wait(10)
    result.update(
        clip=args.clip.name,
        clip_fps=round(fps, 2),
        width=args.width,
        reconnect_seconds=args.reconnect_seconds,
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
