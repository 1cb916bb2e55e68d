"""The live part of ``backcoach session``: keys in, player ticks, journal rows and display out.

Ctrl-C, SIGTERM and SIGHUP are turned into a flag the loop checks, so a signal never cuts a
journal write in half; the session then ends as quit, keeping everything done.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from rich.console import Console, RenderableType
from rich.live import Live

from backcoach.cli import keys as keynames
from backcoach.cli.keys import KeySource, RawKeys
from backcoach.cli.session_view import render
from backcoach.cli.voice import Voice
from backcoach.errors import InputError
from backcoach.journal.recorder import SessionRecorder
from backcoach.planning.pain import validate_pain
from backcoach.player import PlayerEvent, PlayerState
from backcoach.player.camera_led import CameraLedSession

POLL_SECONDS = 0.05
REDRAW_SECONDS = 0.1

_SIGNAL_REASONS: dict[int, str] = {
    signal.SIGINT: "Ended with Ctrl-C.",
    signal.SIGTERM: "Ended by a stop signal (SIGTERM).",
    signal.SIGHUP: "Ended because the terminal was closed.",
}


class _Caught:
    signum: int | None = None


@contextmanager
def signals_as_flags() -> Iterator[_Caught]:
    caught = _Caught()

    def note(signum: int, _frame: FrameType | None) -> None:
        caught.signum = signum

    previous = {sig: signal.signal(sig, note) for sig in _SIGNAL_REASONS}
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class TerminalSession:
    """Runs one started-to-finished session in the terminal."""

    def __init__(
        self,
        session: CameraLedSession,
        recorder: SessionRecorder,
        voice: Voice,
        console: Console,
        keys_factory: Callable[[], KeySource] = RawKeys,
    ) -> None:
        self._session = session
        self._player = session.player
        self._recorder = recorder
        self._voice = voice
        self._console = console
        self._keys_factory = keys_factory
        self._pain_entry: str | None = None
        self._paused_for_pain = False
        self._notice = ""

    def run(self, pain_before: int | None) -> int | None:
        """Play the session; returns the signal number when a signal ended it."""
        self._dispatch(self._session.start(pain_before))
        if self._player.finished:
            return None
        with signals_as_flags() as caught, self._keys_factory() as keys:
            try:
                self._loop(keys, caught)
            finally:
                if not self._player.finished:  # a signal, or an error on the way out
                    reason = "Ended by an error."
                    if caught.signum is not None:
                        reason = _SIGNAL_REASONS.get(caught.signum, "Ended by a signal.")
                    self._dispatch(self._session.confirm_quit(reason))
        return caught.signum

    def _loop(self, keys: KeySource, caught: _Caught) -> None:
        player = self._player
        with Live(self._view(), console=self._console, auto_refresh=False) as live:
            drawn_at = 0.0
            while not player.finished and caught.signum is None:
                pressed = keys.read(POLL_SECONDS)
                events: list[PlayerEvent] = []
                for key in pressed:
                    events += self._on_key(key)
                events += self._session.tick()
                self._dispatch(events)
                now = time.monotonic()
                if pressed or events or now - drawn_at >= REDRAW_SECONDS:
                    live.update(self._view(), refresh=True)
                    drawn_at = now

    def _view(self) -> RenderableType:
        return render(
            self._player.snapshot(),
            pain_entry=self._pain_entry,
            notice=self._notice,
            coach=self._session.view(),
        )

    def _dispatch(self, events: list[PlayerEvent]) -> None:
        self._recorder.handle(events)
        said = self._session.take_said()
        if said:
            self._voice.say(said[-1][0])  # only the latest matters when several come at once

    def _on_key(self, key: str) -> list[PlayerEvent]:
        if self._pain_entry is not None:
            return self._on_pain_key(key)
        session = self._session
        lowered = key.lower()
        if session.view().confirming_quit:  # "End the session now?": q again ends it
            if lowered == "q":
                return session.confirm_quit("Ended with q.")
            return session.cancel_quit()
        if key == " ":
            return session.toggle_pause()
        if key == keynames.ENTER:
            return session.ready()
        if lowered == "s":
            return session.skip()
        if lowered == "q":
            return session.ask_quit()
        if lowered == "p":
            self._pain_entry = ""
            if self._player.state is PlayerState.RUNNING:
                self._paused_for_pain = True
                return session.pause()
        return []

    def _on_pain_key(self, key: str) -> list[PlayerEvent]:
        entry = self._pain_entry or ""
        if key.isdigit() and len(entry) < 2:
            self._pain_entry = entry + key
        elif key == keynames.BACKSPACE:
            self._pain_entry = entry[:-1]
        elif key == keynames.ESCAPE:
            return self._end_pain_entry()
        elif key == keynames.ENTER:
            try:
                score = validate_pain(entry)
            except InputError:
                self._notice = "Type a whole number from 0 to 10, then Enter."
                self._pain_entry = ""
                return []
            events = self._session.report_pain(score)
            self._notice = f"Pain {score}/10 noted."
            return events + self._end_pain_entry()
        return []

    def _end_pain_entry(self) -> list[PlayerEvent]:
        self._pain_entry = None
        if self._paused_for_pain:
            self._paused_for_pain = False
            return self._session.resume()
        return []
