"""Short spoken and shown prompts, in plain words."""

from __future__ import annotations

from backcoach.catalog.schema import Part, Side
from backcoach.planning.plan import PlanItem


def _seconds(value: float) -> str:
    return f"{value:g} second" + ("" if value == 1 else "s")


def exercise(item: PlanItem) -> str:
    return f"Next: {item.name}. Get into the start position."


def part_start(part: Part, rep: int, reps: int, *, part_count: int) -> str:
    count = f"repetition {rep} of {reps}"
    if part_count > 1:
        return f"{part_label(part)}, {count}. {part.cue}".strip()
    return f"{count.capitalize()}. {part.cue}".strip()


def part_label(part: Part) -> str:
    """The part's label as a heading, with its side when the label does not say it."""
    label = part.label[:1].upper() + part.label[1:]
    if part.side is not Side.NONE and part.side.value not in part.label.lower():
        label += f" ({part.side.value})"
    return label


def hold(seconds: float) -> str:
    return f"Hold for {_seconds(seconds)}."


def release() -> str:
    return "Now slowly come back."


def rest(seconds: float) -> str:
    return f"Rest for {_seconds(seconds)}."


def between(next_item: PlanItem, seconds: float) -> str:
    return f"Well done. Rest for {_seconds(seconds)}. Coming up: {next_item.name}."


def paused() -> str:
    return "Paused."


def resumed() -> str:
    return "Carry on."


def pain(score: int) -> str:
    return f"Pain {score} out of 10 noted."


def pain_stop(score: int, limit: int) -> str:
    return (
        f"Pain {score}/10 is above {limit}/10, so the session stops here. "
        "Rest, and if the pain does not settle, talk to a clinician."
    )


def pain_before_stop(score: int, limit: int) -> str:
    return (
        f"Pain before the session is {score}/10, above {limit}/10, so no session today. "
        "Rest, and if the pain does not settle, talk to a clinician."
    )


def finished() -> str:
    return "That is the whole session. Well done."


def quit_() -> str:
    return "Session ended. What you did is kept."
