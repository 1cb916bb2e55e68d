"""Pain ratings (0-10) and the rule that stops a session when pain gets too high."""

from __future__ import annotations

from dataclasses import dataclass

from backcoach.errors import InputError
from backcoach.planning.settings import Settings

PAIN_MIN = 0
PAIN_MAX = 10


def validate_pain(score: object, *, what: str = "Pain") -> int:
    """The rating as an int, or an InputError that says what a valid rating is.

    Accepts ints and whole-number strings (as typed at a prompt); rejects bools and fractions.
    """
    value: int | None = None
    if isinstance(score, int) and not isinstance(score, bool):
        value = score
    elif isinstance(score, str) and score.strip().lstrip("-").isdigit():
        value = int(score.strip())
    if value is None or not PAIN_MIN <= value <= PAIN_MAX:
        raise InputError(
            f"{what} must be a whole number from {PAIN_MIN} (no pain) to {PAIN_MAX} "
            f"(worst imaginable), not {score!r}."
        )
    return value


@dataclass(frozen=True)
class PainCheck:
    """Whether a pain report stops the session; truthy when it does."""

    stop: bool
    score: int
    message: str

    def __bool__(self) -> bool:
        return self.stop


def should_stop(score: int, settings: Settings) -> PainCheck:
    """Pain above ``settings.stop_pain_above`` stops the session; the message says why."""
    value = validate_pain(score)
    limit = settings.stop_pain_above
    if value > limit:
        return PainCheck(
            True,
            value,
            f"Stopping the session: your pain is {value}/10, above the limit of {limit}/10. "
            "Rest in a comfortable position; if the pain does not settle, or new symptoms "
            "appear, contact a clinician.",
        )
    return PainCheck(
        False,
        value,
        f"Pain {value}/10 is within the limit of {limit}/10; carry on gently and report "
        "again if it changes.",
    )
