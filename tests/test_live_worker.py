"""A live connection's worker always frees its pipeline: closed while the model loads, while
a frame is processed, or after; and its thread then ends."""

from __future__ import annotations

import asyncio
import threading
import time

from backcoach.web.live_worker import LiveWorker


class SlowPipeline:
    def __init__(self, load_seconds: float) -> None:
        time.sleep(load_seconds)
        self.closed = threading.Event()

    def process(self, seconds: float) -> str:
        time.sleep(seconds)
        return "done"

    def close(self) -> None:
        self.closed.set()


def live_threads() -> int:
    return sum(t.name.startswith("backcoach-live") for t in threading.enumerate())


def test_closed_while_the_model_loads_the_model_is_still_freed() -> None:
    made: list[SlowPipeline] = []

    def load() -> SlowPipeline:
        made.append(SlowPipeline(0.3))
        return made[-1]

    worker = LiveWorker(load)
    worker.close()  # the socket went away at once
    worker.wait_closed(timeout=5)
    assert made and made[0].closed.is_set()


def test_closed_mid_frame_and_after_frames() -> None:
    async def scenario() -> SlowPipeline:
        worker = LiveWorker(lambda: SlowPipeline(0.0))
        pipeline = await worker.pipeline()
        assert await worker.run(lambda: pipeline.process(0.0)) == "done"
        busy = asyncio.ensure_future(worker.run(lambda: pipeline.process(0.3)))
        await asyncio.sleep(0.05)
        busy.cancel()  # the handler was cancelled while the frame is processed
        worker.close()
        worker.close()  # closing twice is harmless
        worker.wait_closed(timeout=5)
        return pipeline

    pipeline = asyncio.run(scenario())
    assert pipeline.closed.is_set()
    deadline = time.monotonic() + 5
    while live_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert live_threads() == 0


def test_a_model_that_fails_to_load_leaves_nothing_to_free() -> None:
    def load() -> SlowPipeline:
        raise OSError("no model")

    worker = LiveWorker(load)

    async def wait() -> None:
        try:
            await worker.pipeline()
        except OSError:
            return
        raise AssertionError("the loading error was not raised")

    asyncio.run(wait())
    worker.close()
    worker.wait_closed(timeout=5)
