"""A terminal session killed with SIGKILL is closed, with what it held, when the next session
starts: it no longer stays "in progress" forever."""

from __future__ import annotations

import signal
from pathlib import Path

import pexpect

from backcoach.config import resolve_paths
from backcoach.journal.store import INTERRUPTED_REASON, JournalStore
from test_session_terminal import prescreen_clear, spawn, wait_for_reps


def test_a_killed_session_is_closed_when_the_next_one_starts(tmp_path: Path) -> None:
    prescreen_clear(tmp_path)
    child = spawn(tmp_path)
    child.expect("right now, 0")
    child.sendline("4")
    done = wait_for_reps(child, tmp_path, 2)
    child.kill(signal.SIGKILL)
    child.close(force=True)

    again = spawn(tmp_path)
    again.expect("right now, 0")
    again.sendline("1")
    wait_for_reps(again, tmp_path, done + 1)
    again.send("q")
    again.expect("End the session now")  # quit asks first; q again ends it
    again.send("q")
    again.expect("after the session, 0-10")
    again.sendline("1")
    again.expect(pexpect.EOF)
    again.close()

    with JournalStore.from_paths(resolve_paths({"BACKCOACH_HOME": str(tmp_path)})) as store:
        killed, second = store.sessions()
    assert (killed.status, killed.stop_reason) == ("quit", INTERRUPTED_REASON)
    assert killed.pain_before == 4
    reps = [rep for item in killed.sets for rep in item.reps]
    assert len(reps) >= done  # nothing it held was lost
    assert killed.ended_at is not None
    assert killed.ended_at == max(rep.finished_at for rep in reps)
    assert all(item.status != "in_progress" for item in killed.sets)
    assert second.status == "quit" and second.stop_reason == "Ended with q."
