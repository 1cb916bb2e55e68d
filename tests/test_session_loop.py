"""The terminal session loop and display: scripted keys, a fake clock and a real journal."""

from __future__ import annotations

import io
import os
import shutil
import signal
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from backcoach.catalog.schema import Dose, Part, Side
from backcoach.cli.keys import BACKSPACE, ENTER, ESCAPE, split_keys
from backcoach.cli.session_run import TerminalSession
from backcoach.cli.session_view import big_number, render
from backcoach.cli.voice import Voice
from backcoach.journal.recorder import SessionRecorder
from backcoach.journal.records import SessionRecord
from backcoach.journal.store import JournalStore
from backcoach.planning.plan import Change, Plan, PlanItem
from backcoach.player import FakeClock, SessionPlayer
from backcoach.player.camera_led import CameraLedSession

PRESS_UP = PlanItem(
    "press-up", "Press-up", 0, Dose(reps=3, hold_seconds=3, rest_seconds=1), Change.START, "x"
)
ROLL = PlanItem(
    "roll-and-stretch",
    "Roll and stretch",
    0,
    Dose(
        reps=2,
        hold_seconds=20,
        parts=(
            Part(key="left", label="left", side=Side.LEFT),
            Part(key="right", label="right", side=Side.RIGHT),
        ),
    ),
    Change.START,
    "x",
)
STEP = 0.5  # fake seconds per key poll


class ScriptedKeys:
    """Each read moves the fake clock on by STEP and hands over the keys due by then."""

    def __init__(self, clock: FakeClock, script: dict[float, list[str] | Callable[[], None]]):
        self.clock = clock
        self.script = dict(script)
        self.entered = self.exited = False

    def __enter__(self) -> ScriptedKeys:
        self.entered = True
        return self

    def __exit__(self, *_exc: object) -> None:
        self.exited = True

    def read(self, timeout: float) -> list[str]:
        self.clock.advance(STEP)
        due = [t for t in self.script if t <= self.clock.now()]
        keys: list[str] = []
        for t in sorted(due):
            action = self.script.pop(t)
            if callable(action):
                action()
            else:
                keys += action
        if self.clock.now() > 1000:
            raise AssertionError("the script never ended the session")
        return keys


def play(
    tmp_path: Path, script: dict[float, list[str] | Callable[[], None]]
) -> tuple[int | None, SessionRecord, ScriptedKeys]:
    clock = FakeClock()
    plan = Plan(day=date(2026, 11, 24), items=(PRESS_UP, ROLL))
    player = CameraLedSession(
        plan, clock, camera=False, between_seconds=2, ready_seconds_without_camera=10
    )
    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    keys = ScriptedKeys(clock, script)
    with JournalStore.open(url) as store:
        session = TerminalSession(
            player,
            SessionRecorder(store),
            Voice(enabled=False),
            Console(file=io.StringIO(), width=100),
            keys_factory=lambda: keys,
        )
        signum = session.run(pain_before=2)
        (record,) = store.sessions()
    return signum, record, keys


def test_keys_drive_ready_pain_pause_skip_and_quit(tmp_path: Path) -> None:
    signum, record, keys = play(
        tmp_path,
        {
            1.0: [ENTER],  # ready: the first rep starts at 1 s instead of 10 s
            9.0: ["p", "1", "2", BACKSPACE, BACKSPACE, "3", ENTER],  # typo fixed: pain 3
            9.5: ["p", "4", ESCAPE],  # a pain entry given up: nothing recorded
            10.0: [" "],  # pause for 100 fake seconds
            110.0: [" "],
            111.0: ["s"],  # skip the press-up, mid second rep
            116.0: ["q", "n"],  # quit asks first; any other key keeps going
            117.0: ["q", "q"],
        },
    )
    assert signum is None and keys.entered and keys.exited
    assert (record.status, record.stop_reason) == ("quit", "Ended with q.")
    assert [(p.context, p.score) for p in record.pain_entries] == [("before", 2), ("during", 3)]
    press_up, roll = record.sets
    assert press_up.status == "skipped"
    assert [(r.index, r.hold_seconds) for r in press_up.reps] == [(1, 3.0)]
    assert (roll.status, roll.reps) == ("stopped", ())


def test_pain_above_the_limit_typed_in_stops_the_session(tmp_path: Path) -> None:
    signum, record, _ = play(tmp_path, {12.0: ["p", "8", ENTER]})
    assert signum is None
    assert record.status == "stopped_pain"
    assert record.stop_reason is not None and "8/10" in record.stop_reason
    assert [(p.context, p.score) for p in record.pain_entries] == [("before", 2), ("during", 8)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_ends_the_session_as_quit_keeping_the_reps(tmp_path: Path, sig: int) -> None:
    before = signal.getsignal(sig)
    signum, record, _ = play(tmp_path, {22.0: lambda: os.kill(os.getpid(), sig)})
    assert signum == sig
    assert record.status == "quit" and record.stop_reason is not None
    assert len(record.sets[0].reps) == 1  # the rep done by 22 s is kept
    assert record.sets[0].status == "stopped"
    assert signal.getsignal(sig) == before  # the handlers are put back


def test_split_keys_names_special_keys_and_drops_escape_sequences() -> None:
    assert split_keys("p3\r") == ["p", "3", ENTER]
    assert split_keys("\x1b[A q\x7f\x1b") == [" ", "q", BACKSPACE, ESCAPE]
    assert split_keys("\x1bOP\n") == [ENTER]


def test_display_shows_part_side_countdown_progress_and_prompts() -> None:
    clock = FakeClock()
    player = SessionPlayer(Plan(date(2026, 11, 24), (ROLL,)), clock, intro_seconds=5)
    player.start()

    def text(**options: str | None) -> str:
        console = Console(file=io.StringIO(), width=100)
        console.print(render(player.snapshot(), **options))  # type: ignore[arg-type]
        out = console.file.getvalue()  # type: ignore[attr-defined]
        assert isinstance(out, str)
        return out

    assert "Press Enter when you are in position (starts in 5 s)" in text()
    player.ready()
    clock.advance(2 + 12.5)
    player.tick()
    shown = text(notice="Pain 3/10 noted.")
    assert "Left   Rep 1 of 2" in shown and "HOLD" in shown
    assert big_number(8).splitlines()[0] in shown  # 7.5 s left shows as 8
    assert "Pain 3/10 noted." in shown and "Session" in shown
    player.pause()
    assert "PAUSED" in text()
    prompt = text(pain_entry="4")
    assert "Pain now (0-10)" in prompt and "4_" in prompt and "PAUSED" not in prompt


def test_voice_never_waits_for_speech_and_is_silent_without_espeak() -> None:
    missing = Voice(enabled=True, command="espeak-ng-is-not-here")
    assert not missing.available
    missing.say("Hold for twenty seconds.")  # nothing happens, nothing fails
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    voice = Voice(enabled=True)
    started = time.monotonic()
    for _ in range(3):
        voice.say("Hold for twenty seconds, breathing normally, then come back down slowly.")
    assert time.monotonic() - started < 0.5
    voice.close()
