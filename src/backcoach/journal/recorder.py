"""Writes a guided session to the journal as it happens, from the player's events.

``SessionRecorder(store, clock_utc)`` takes every ``PlayerEvent`` (``handle(events)``) and
makes the matching store call at once: the session when it starts (with pain before), a set
when an exercise starts, a rep row as each rep part finishes, the set's end, pain reported
during the session, and the session's end. Each store call commits, so Ctrl-C, a closed
terminal or a kill loses nothing already done. Pain after the session comes from the front
end once the person answers it (``record_pain_after``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from backcoach.journal.store import JournalStore
from backcoach.player.events import EventKind, PlayerEvent


def utc_now() -> datetime:
    return datetime.now(UTC)


class SessionRecorder:
    def __init__(
        self,
        store: JournalStore,
        clock_utc: Callable[[], datetime] = utc_now,
        *,
        front_end: str = "terminal",
    ) -> None:
        self._store = store
        self._now = clock_utc
        self._front_end = front_end
        self._session_id: int | None = None
        self._set_id: int | None = None
        self._ended: tuple[str, str | None, datetime] | None = None  # status, reason, when

    @property
    def session_id(self) -> int | None:
        return self._session_id

    @property
    def set_id(self) -> int | None:
        """The set being recorded (for form warnings from the camera), None between sets."""
        return self._set_id

    def handle(self, events: Iterable[PlayerEvent]) -> None:
        for event in events:
            self.handle_event(event)

    def handle_event(self, event: PlayerEvent) -> None:
        at = self._now()
        kind = event.kind
        if kind is EventKind.SESSION_STARTED:
            self._start_session(event, at)
            return
        session_id = self._session_id
        if session_id is None:
            return  # nothing of a session that was never started is kept
        if kind is EventKind.EXERCISE_STARTED and event.item is not None:
            item = event.item
            self._set_id = self._store.start_set(
                session_id=session_id,
                position=(event.exercise_index or 0) + 1,
                exercise_id=item.exercise_id,
                level=item.level,
                dose=item.dose,
                counted_by=(event.counted_by or "hand"),
                at=at,
            )
        elif kind is EventKind.PART_FINISHED and self._set_id is not None:
            assert event.part is not None and event.rep is not None
            self._store.add_rep(
                set_id=self._set_id,
                index=event.rep,
                part=event.part.key,
                side=event.side or event.part.side.value,
                hold_seconds=event.hold_seconds or 0.0,
                counted_by=(event.counted_by or "hand"),
                at=at,
            )
        elif kind is EventKind.SET_FINISHED and self._set_id is not None:
            self._store.finish_set(self._set_id, status=event.status or "stopped", at=at)
            self._set_id = None
        elif kind is EventKind.PAIN_REPORTED and event.pain is not None:
            self._store.add_pain(score=event.pain, context="during", session_id=session_id, at=at)
        elif kind is EventKind.SESSION_FINISHED and event.status is not None:
            self._ended = (event.status, event.reason, at)
            self._store.finish_session(
                session_id, status=event.status, pain_after=None, stop_reason=event.reason, at=at
            )

    def add_form_warning(self, code: str, message: str) -> None:
        """A camera warning during the current set (ignored between sets)."""
        if self._set_id is not None:
            self._store.add_form_warning(
                set_id=self._set_id, code=code, message=message, at=self._now()
            )

    def record_pain_after(self, score: int) -> None:
        """Pain after the finished session: a pain entry and the session's pain_after."""
        if self._session_id is None or self._ended is None:
            raise RuntimeError("pain after needs a session that has finished")
        status, reason, ended_at = self._ended
        self._store.add_pain(
            score=score, context="after", session_id=self._session_id, at=self._now()
        )
        self._store.finish_session(
            self._session_id, status=status, pain_after=score, stop_reason=reason, at=ended_at
        )

    def _start_session(self, event: PlayerEvent, at: datetime) -> None:
        plan = event.plan.to_dict() if event.plan is not None else {}
        # One person does one session at a time: one still in progress was interrupted.
        self._store.close_interrupted_sessions()
        self._session_id = self._store.start_session(
            front_end=self._front_end, pain_before=event.pain_before, plan=plan, at=at
        )
        if event.pain_before is not None:
            self._store.add_pain(
                score=event.pain_before, context="before", session_id=self._session_id, at=at
            )
