"""One live connection's worker thread and the pipeline it owns.

The pose model is loaded, used and closed in one worker thread, one call at a time. Loading
starts as soon as the worker is made; :meth:`LiveWorker.close` queues the release behind
whatever is running, so a connection that ends while the model is still loading (or while a
frame is being processed) still closes the model once it is ready, and the thread then ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, Protocol, TypeVar

from backcoach.web.memory import return_freed_memory

T = TypeVar("T")


class Closable(Protocol):
    def close(self) -> None: ...


P = TypeVar("P", bound=Closable)


class LiveWorker(Generic[P]):
    def __init__(self, load: Callable[[], P]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backcoach-live")
        self._loading: Future[P] = self._executor.submit(load)
        self._released: Future[None] | None = None

    async def pipeline(self) -> P:
        """The loaded pipeline (waits for the model; a loading error is raised here)."""
        return await asyncio.wrap_future(self._loading)

    async def run(self, call: Callable[[], T]) -> T:
        """Run ``call`` in the worker thread, after everything queued before it."""
        return await asyncio.wrap_future(self._executor.submit(call))

    def close(self) -> None:
        """Release the pipeline (now, or once it has loaded) and let the thread end."""
        if self._released is not None:
            return
        self._released = self._executor.submit(self._release)
        self._executor.shutdown(wait=False)

    def wait_closed(self, timeout: float | None = None) -> None:
        """Block until the pipeline has been released (for tests)."""
        if self._released is not None:
            self._released.result(timeout)

    def _release(self) -> None:
        try:
            pipeline = self._loading.result()
        except BaseException:  # the model never loaded: nothing to free
            return
        try:
            pipeline.close()
        finally:
            return_freed_memory()
