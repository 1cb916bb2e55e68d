"""How a session ended and how much of it was done: the one set of words the web pages, the
terminal and the progress report use.

A session ends in one of four ways a person reads: completed (every planned exercise done in
full), completed with skipped exercises (how many), stopped for pain, or ended early; a
session that never reached its end (the program closed) is "not finished". Exercises done
always count against the plan: "2 of 7", never against the exercises started.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Ending(StrEnum):
    COMPLETED = "completed"
    COMPLETED_WITH_SKIPS = "completed_with_skips"
    STOPPED_FOR_PAIN = "stopped_for_pain"
    ENDED_EARLY = "ended_early"
    NOT_FINISHED = "not_finished"


# The reasons the terminal stores when it ends a session, in words a physiotherapist reads.
_QUIT_REASONS = {
    "Ended with q.": "The person ended the session before the last exercise.",
    "Ended with Ctrl-C.": "The session was interrupted in the terminal (Ctrl-C).",
    "Ended by a stop signal (SIGTERM).": "The program was stopped during the session.",
    "Ended because the terminal was closed.": "The terminal was closed during the session.",
    "Ended by an error.": "The program met an error and ended the session.",
    "Ended by a signal.": "The program was stopped during the session.",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class SessionOutcome:
    """One session's ending, its exercises done against the plan and the pain reported."""

    ending: Ending
    planned: int
    done: int  # planned exercises done in full
    pain_during: tuple[int, ...]  # ratings the person gave during the session, in order
    stop_reason: str | None = None
    pain_before: int | None = None
    started: int | None = None  # exercises begun (None: not known)

    @property
    def skipped(self) -> int:
        """Planned exercises not done in full."""
        return max(0, self.planned - self.done)

    @property
    def highest_pain_during(self) -> int | None:
        return max(self.pain_during) if self.pain_during else None

    @property
    def label(self) -> str:
        """A few words: 'completed', 'completed with 2 exercises skipped', 'stopped for pain'."""
        if self.ending is Ending.COMPLETED_WITH_SKIPS:
            if self.skipped == self.planned:
                return f"finished with all {_plural(self.planned, 'exercise')} skipped"
            return f"completed with {_plural(self.skipped, 'exercise')} skipped"
        return {
            Ending.COMPLETED: "completed",
            Ending.STOPPED_FOR_PAIN: "stopped for pain",
            Ending.ENDED_EARLY: "ended early",
            Ending.NOT_FINISHED: "not finished",
        }[self.ending]

    @property
    def exercises_done(self) -> str:
        """E.g. '2 of 3'."""
        return f"{self.done} of {self.planned}"

    @property
    def pain_during_text(self) -> str:
        """E.g. '7/10', '3/10, then 7/10', or 'none reported'."""
        if not self.pain_during:
            return "none reported"
        return ", then ".join(f"{score}/10" for score in self.pain_during)

    @property
    def fully_completed(self) -> bool:
        return self.ending is Ending.COMPLETED

    @property
    def how_it_ended(self) -> str:
        """One plain sentence on how the session ended, for the report and the history."""
        if self.ending is Ending.COMPLETED:
            return "Every planned exercise was done."
        if self.ending is Ending.COMPLETED_WITH_SKIPS:
            return (
                f"The session went to its end; {self.skipped} of {self.planned} planned "
                f"exercises were skipped or not finished."
            )
        if self.ending is Ending.STOPPED_FOR_PAIN:
            peak = self.highest_pain_during
            if peak is not None:
                return f"Pain reached {peak}/10, above the limit, so the session stopped."
            if self.started == 0 and self.pain_before is not None:
                return (
                    f"Pain before the session was {self.pain_before}/10, above the limit, "
                    "so it did not start."
                )
            return "Pain went above the limit, so the session stopped."
        if self.ending is Ending.ENDED_EARLY:
            known = _QUIT_REASONS.get(self.stop_reason or "")
            if known is not None:
                return known
            if self.stop_reason:
                return self.stop_reason
            return "The person ended the session before the last exercise."
        return "The session was interrupted (the program closed) before it finished."

    def to_dict(self) -> dict[str, object]:
        """The outcome as the JSON history and exports show it."""
        return {
            "ending": self.ending.value,
            "label": self.label,
            "how_it_ended": self.how_it_ended,
            "exercises_planned": self.planned,
            "exercises_done": self.done,
            "exercises_skipped": self.skipped,
            "pain_during": list(self.pain_during),
            "highest_pain_during": self.highest_pain_during,
        }


def session_outcome(
    status: str,
    *,
    planned: int,
    done: int,
    pain_during: Iterable[int] = (),
    stop_reason: str | None = None,
    pain_before: int | None = None,
    started: int | None = None,
) -> SessionOutcome:
    """The outcome of a session stored with ``status`` (completed | quit | stopped_pain |
    in_progress), ``planned`` exercises in its plan and ``done`` of them done in full."""
    done = min(done, planned) if planned else done
    planned = max(planned, done)
    if status == "stopped_pain":
        ending = Ending.STOPPED_FOR_PAIN
    elif status == "quit":
        ending = Ending.ENDED_EARLY
    elif status == "completed":
        ending = Ending.COMPLETED if done >= planned else Ending.COMPLETED_WITH_SKIPS
    else:
        ending = Ending.NOT_FINISHED
    return SessionOutcome(
        ending, planned, done, tuple(pain_during), stop_reason, pain_before, started
    )
