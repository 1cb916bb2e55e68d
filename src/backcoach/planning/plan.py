"""Today's plan: what the planner hands to the player and the front ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from backcoach.catalog.schema import Dose


class DoseSetter(StrEnum):
    """Who set an item's dose: the pain rules of the program, or a clinician's prescription."""

    PAIN_RULES = "pain_rules"
    PRESCRIPTION = "prescription"


class Change(StrEnum):
    START = "start"  # first time at this exercise
    UP = "up"
    SAME = "same"
    DOWN = "down"


@dataclass(frozen=True)
class PlanItem:
    exercise_id: str
    name: str
    level: int
    dose: Dose
    change: Change
    reason: str  # one sentence, e.g. "Hold 5 s, up from 4 s, because ..."
    set_by: DoseSetter = DoseSetter.PAIN_RULES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.exercise_id,
            "name": self.name,
            "level": self.level,
            "dose": self.dose.describe(),
            "dose_detail": self.dose.model_dump(mode="json"),
            "change": self.change.value,
            "reason": self.reason,
            "set_by": self.set_by.value,
        }


@dataclass(frozen=True)
class PausedItem:
    """An exercise a clinician paused: left out of the plan, with the reason shown."""

    exercise_id: str
    name: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.exercise_id, "name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class Plan:
    day: date
    items: tuple[PlanItem, ...]
    notes: tuple[str, ...] = ()
    paused: tuple[PausedItem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "exercises": [item.to_dict() for item in self.items],
            "notes": list(self.notes),
            "paused": [item.to_dict() for item in self.paused],
        }
