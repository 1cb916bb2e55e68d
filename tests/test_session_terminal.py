"""End to end: the real ``backcoach session`` in a pseudo-terminal, checked in the journal."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pexpect
import pytest

from backcoach.config import resolve_paths
from backcoach.journal.records import SessionRecord
from backcoach.journal.store import JournalStore
from backcoach.planning.screening import QUESTION_IDS, evaluate_screening

BACKCOACH = Path(sys.executable).with_name("backcoach")
SPEED = "20"

pytestmark = pytest.mark.skipif(not BACKCOACH.exists(), reason=f"{BACKCOACH} is not installed")


def prescreen_clear(home: Path) -> None:
    answers = dict.fromkeys(QUESTION_IDS, False)
    result = evaluate_screening(answers)
    with JournalStore.from_paths(resolve_paths({"BACKCOACH_HOME": str(home)})) as store:
        store.add_screening(
            answers=answers,
            outcome=result.outcome.value,
            flags=list(result.flags),
            caution_acknowledged=True,
            at=datetime.now(UTC),
        )


def spawn(home: Path, voice: str = "--no-voice", **env_changes: str) -> pexpect.spawn:
    env = {**os.environ, "BACKCOACH_HOME": str(home), "TERM": "xterm-256color", **env_changes}
    env.pop("BACKCOACH_DATABASE_URL", None)
    return pexpect.spawn(
        str(BACKCOACH),
        ["session", "--speed", SPEED, voice],
        env=env,
        dimensions=(50, 120),
        encoding="utf-8",
        timeout=20,
    )


def rep_count(home: Path) -> int:
    """Rep rows another process can already see in the journal file."""
    with sqlite3.connect(home / "journal.sqlite3", timeout=5) as db:
        return int(db.execute("SELECT count(*) FROM reps").fetchone()[0])


def wait_for_reps(child: pexpect.spawn, home: Path, wanted: int, limit: float = 15) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        # Keep reading, so the display never blocks on a full terminal buffer.
        with contextlib.suppress(pexpect.TIMEOUT):
            child.read_nonblocking(100_000, timeout=0.2)
        count = rep_count(home)
        if count >= wanted:
            return count
    raise AssertionError(f"fewer than {wanted} reps in the journal after {limit} s")


def only_session(home: Path) -> SessionRecord:
    with JournalStore.from_paths(resolve_paths({"BACKCOACH_HOME": str(home)})) as store:
        (session,) = store.sessions()
        return session


def test_session_with_a_pain_report_and_a_quit_is_in_the_journal(tmp_path: Path) -> None:
    prescreen_clear(tmp_path)
    child = spawn(tmp_path)
    child.expect("right now, 0")
    child.sendline("11")
    child.expect("whole number from 0")  # asked again
    child.sendline("2")
    wait_for_reps(child, tmp_path, 2)
    child.send("p")
    child.expect("Pain now")
    child.send("3")
    child.send("\r")
    child.expect("Pain 3/10 noted")
    reps_before_quit = wait_for_reps(child, tmp_path, rep_count(tmp_path) + 1)
    child.send("q")
    child.expect("End the session now")  # quit asks first; q again ends it
    child.send("q")
    child.expect("after the session, 0-10")
    child.sendline("1")
    child.expect("What you did")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    session = only_session(tmp_path)
    assert (session.status, session.stop_reason) == ("quit", "Ended with q.")
    assert (session.pain_before, session.pain_after, session.front_end) == (2, 1, "terminal")
    assert [(p.context, p.score) for p in session.pain_entries] == [
        ("before", 2),
        ("during", 3),
        ("after", 1),
    ]
    assert session.plan is not None
    planned = session.plan["exercises"][0]
    first = session.sets[0]
    assert first.exercise_id == planned["id"]
    reps = [rep for item in session.sets for rep in item.reps]
    assert len(reps) >= reps_before_quit >= 3
    assert [rep.index for rep in first.reps] == list(range(1, len(first.reps) + 1))
    assert all(rep.hold_seconds == planned["dose_detail"]["hold_seconds"] for rep in first.reps)
    assert first.reps[0].hold_seconds > 0
    assert {rep.counted_by for rep in reps} == {"hand"}
    # q lands mid-exercise (stopped) or, rarely, in the short rest after one (completed).
    assert [s.status for s in session.sets[:-1]] == ["completed"] * (len(session.sets) - 1)
    assert session.sets[-1].status in {"stopped", "completed"}
    assert session.ended_at is not None


def test_a_killed_session_keeps_every_rep_already_done(tmp_path: Path) -> None:
    prescreen_clear(tmp_path)
    child = spawn(tmp_path)
    child.expect("right now, 0")
    child.sendline("4")
    done = wait_for_reps(child, tmp_path, 2)
    child.kill(signal.SIGKILL)
    child.close(force=True)

    session = only_session(tmp_path)
    assert session.status == "in_progress"  # nothing could run after SIGKILL
    assert session.pain_before == 4
    reps = [rep for item in session.sets for rep in item.reps]
    assert len(reps) >= done >= 2
    assert all(rep.hold_seconds > 0 for rep in session.sets[0].reps)


def test_sigterm_ends_the_session_as_quit_and_voice_without_espeak_goes_on(
    tmp_path: Path,
) -> None:
    prescreen_clear(tmp_path)
    child = spawn(tmp_path, "--voice", PATH=str(BACKCOACH.parent))  # no espeak-ng on this PATH
    child.expect("espeak-ng is not installed")
    child.expect("right now, 0")
    child.sendline("1")
    wait_for_reps(child, tmp_path, 1)
    child.kill(signal.SIGTERM)
    child.expect("everything you finished is saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 128 + signal.SIGTERM

    session = only_session(tmp_path)
    assert session.status == "quit"
    assert session.stop_reason is not None and "SIGTERM" in session.stop_reason
    assert session.sets[-1].status == "stopped"


def test_no_session_without_a_screen(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert "No session now" in (child.before or "")
    assert not (tmp_path / "journal.sqlite3").exists()
