"""Today's plan: what the planner hands to the player and the front ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from backcoach.catalog.schema import Dose


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.exercise_id,
            "name": self.name,
            "level": self.level,
            "dose": self.dose.describe(),
            "dose_detail": self.dose.model_dump(mode="json"),
            "change": self.change.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Plan:
    day: date
    items: tuple[PlanItem, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "exercises": [item.to_dict() for item in self.items],
            "notes": list(self.notes),
        }
