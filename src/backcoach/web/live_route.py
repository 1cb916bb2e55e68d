"""The ``/ws/live`` WebSocket: one browser tab's camera stream and its session state.

Query parameters: ``tab`` (the tab's id, kept in its sessionStorage), ``pose`` (``server``,
the default: the page sends camera frames; ``browser``: the page runs the pose model and sends
landmarks) and, outside a session, ``exercise`` (which analyzer to run, e.g. for the benches).
The page may change where pose runs with a text message ``{"type": "mode", "pose": ...}``.
While pose runs in the browser the server refuses image bytes and loads no pose model.

Three tasks share the socket: a receiver that reads every message at once (frames and
landmarks go to the latest-frame slot), a worker that takes the newest waiting message (a
frame's pose and analysis run in a worker thread, a landmark message's analysis at once), and a
ticker that moves the session on and sends its state a few times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from backcoach.errors import BackcoachError, InputError
from backcoach.web.context import WebContext, context_of
from backcoach.web.landmark_message import read_text_message
from backcoach.web.live import (
    ALREADY_OPEN,
    CLOSE_BUSY,
    CLOSE_ORIGIN,
    CLOSE_REPLACED,
    FrameSaver,
    LatestFrameSlot,
    LivePipeline,
    LiveStats,
    PendingFrame,
    Sender,
)
from backcoach.web.live_worker import LiveWorker

router = APIRouter()

POSE_MODES = ("server", "browser")
IMAGES_REFUSED = (
    "This page runs the pose model itself and sends landmarks, so the coach does not accept "
    "camera images from it."
)


@router.websocket("/ws/live")
async def live(websocket: WebSocket) -> None:
    ctx = context_of(websocket)
    if websocket.headers.get("origin") not in ctx.settings.origins():
        await websocket.close(code=CLOSE_ORIGIN)  # refused before the handshake completes
        return
    await websocket.accept()
    tab = websocket.query_params.get("tab", "")
    replaced = asyncio.Event()
    if not tab or not ctx.tabs.acquire(tab, replaced.set):
        await websocket.send_text(json.dumps({"type": "busy", "message": ALREADY_OPEN}))
        await websocket.close(code=CLOSE_BUSY)
        return
    pose = websocket.query_params.get("pose", "server")
    session = LiveSession(
        ctx,
        websocket,
        websocket.query_params.get("exercise"),
        pose if pose in POSE_MODES else "server",
    )
    try:
        await session.run(replaced)
    finally:
        # No await before these two: a cancelled handler must still free the tab and the model.
        ctx.tabs.release(tab, replaced.set)
        session.close()
        if websocket.client_state is WebSocketState.CONNECTED:
            code = CLOSE_REPLACED if replaced.is_set() else 1000
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(code=code)


class LiveSession:
    def __init__(
        self, ctx: WebContext, websocket: WebSocket, exercise: str | None, pose: str = "server"
    ) -> None:
        self.ctx = ctx
        self.websocket = websocket
        self.pose = pose
        if exercise is not None and exercise not in ctx.catalog.ids:
            exercise = None
        self.fixed_exercise = exercise
        self.slot = LatestFrameSlot()
        self.stats = LiveStats()
        self.sender = Sender(websocket.send_text)
        # The model starts loading at once; close() frees it even if it is still loading.
        self.worker = LiveWorker(self._make_pipeline)
        self.saver: FrameSaver | None = None
        if ctx.settings.save_frames and ctx.settings.save_dir is not None:
            with contextlib.suppress(OSError):  # no place to save: frames stay in memory only
                self.saver = FrameSaver(ctx.settings.save_dir)

    def exercise_now(self) -> str | None:
        if self.fixed_exercise is not None:
            return self.fixed_exercise
        coach = self.ctx.coach
        return coach.current_exercise_id() if coach.camera_wanted else None

    async def run(self, replaced: asyncio.Event) -> None:
        tasks = [
            asyncio.create_task(self.receive()),
            asyncio.create_task(self.work()),
            asyncio.create_task(self.tick()),
            asyncio.create_task(replaced.wait()),
        ]
        try:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None and not isinstance(error, WebSocketDisconnect | RuntimeError):
                raise error  # a bug, not a closed socket

    def close(self) -> None:
        """Free the pose model in its own thread, then let the thread end."""
        self.worker.close()

    async def receive(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is not None:
                self.stats.received += 1
                if self.pose == "browser":
                    self.stats.rejected += 1
                    await self.sender.send({"type": "error", "message": IMAGES_REFUSED})
                    continue
                self.slot.put(PendingFrame(data, time.perf_counter()))
                if self.saver is not None:
                    self.saver.save(data)
            text = message.get("text")
            if text is not None:
                await self.receive_text(text)

    async def receive_text(self, text: str) -> None:
        try:
            data = read_text_message(text)
            kind = data.get("type")
            if kind == "mode":
                pose = data.get("pose")
                if pose not in POSE_MODES:
                    raise InputError("The page asked for a place to run pose that is not known.")
                self.pose = str(pose)
                return
            if kind != "landmarks":
                raise InputError("The page sent a message the coach does not know.")
            if self.pose != "browser":
                raise InputError("Landmarks are accepted only once the page says it runs pose.")
        except InputError as error:
            self.stats.rejected += 1
            await self.sender.send({"type": "error", "message": str(error)})
            return
        self.stats.received += 1
        self.slot.put(PendingFrame(data, time.perf_counter()))

    def _make_pipeline(self) -> LivePipeline:
        factory = self.ctx.analyzer_factory
        coach = self.ctx.coach
        return LivePipeline(
            self.ctx.estimator_factory,
            None
            if factory is None
            else lambda exercise_id: factory(exercise_id, coach.planned_dose(exercise_id)),
            preload=self.pose == "server",
        )

    async def work(self) -> None:
        pipeline = await self.worker.pipeline()
        while True:
            frame = await self.slot.take()
            exercise = self.exercise_now()
            message = frame.message
            try:
                if isinstance(message, bytes):
                    step = functools.partial(pipeline.process, message, exercise)
                    result, events = await self.worker.run(step)
                else:
                    # A landmark message costs a fraction of a millisecond: handing it to the
                    # worker thread and back would cost more than the work, with many people.
                    # One message at a time either way, so the pipeline needs no lock.
                    result, events = pipeline.process_landmarks(message, exercise)
            except BackcoachError as error:
                self.stats.rejected += 1
                await self.sender.send({"type": "error", "message": str(error)})
                continue
            self.stats.processed += 1
            self.stats.server_ms.append(result["server_ms"])
            if self.fixed_exercise is None:
                self.ctx.coach.on_camera(events, result)
                result["session"] = self.ctx.coach.state()
            result["wait_ms"] = round((time.perf_counter() - frame.received_at) * 1000.0, 2)
            result["stats"] = self.current_stats()
            await self.sender.send(result)

    def current_stats(self) -> dict[str, Any]:
        self.stats.dropped = self.slot.dropped
        return self.stats.to_dict()

    async def tick(self) -> None:
        while True:
            coach = self.ctx.coach
            coach.tick()
            payload: dict[str, Any] = {
                "type": "state",
                "session": coach.state(),
                "camera_exercise": self.exercise_now(),
                "pose": self.pose,
                "stats": self.current_stats(),
            }
            await self.sender.send(payload)
            await asyncio.sleep(self.ctx.settings.state_interval_seconds)
