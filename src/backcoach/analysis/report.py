"""What an analysis found in a whole video, built from the analyzers' events."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from backcoach.analysis.events import Event, EventKind

# A rep or hold whose frames could judge the exercise at least this often counts as seen.
SURE_CONFIDENCE = 0.6


@dataclass(frozen=True)
class RepRecord:
    start: float
    end: float
    duration: float
    side: str | None = None
    warnings: tuple[str, ...] = ()
    confidence: float = 1.0

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE_CONFIDENCE


@dataclass(frozen=True)
class HoldRecord:
    start: float
    end: float
    seconds: float
    side: str | None = None
    confidence: float = 1.0

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE_CONFIDENCE


@dataclass(frozen=True)
class WarningRecord:
    time: float
    code: str
    message: str
    kind: str = "form"  # "form", "avoided" or "note"
    side: str | None = None


@dataclass
class AnalysisReport:
    exercise: str
    duration: float = 0.0
    frames: int = 0
    detected_frames: int = 0
    reps: list[RepRecord] = field(default_factory=list)
    holds: list[HoldRecord] = field(default_factory=list)
    warnings: list[WarningRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unseen_seconds: float = 0.0
    cuts: int = 0
    recognized: str | None = None
    confidence: float | None = None
    source: str = ""
    problems: list[str] = field(default_factory=list)  # with the video: a damaged stretch
    events: list[Event] = field(default_factory=list)

    @property
    def avoided(self) -> list[WarningRecord]:
        return [w for w in self.warnings if w.kind == "avoided"]

    @property
    def sure_reps(self) -> list[RepRecord]:
        return [r for r in self.reps if r.sure]

    @property
    def unsure_reps(self) -> list[RepRecord]:
        return [r for r in self.reps if not r.sure]

    def count_sentence(self) -> str:
        """The count in plain words, e.g. "5 counted, 1 not sure"."""
        sure, unsure = len(self.sure_reps), len(self.unsure_reps)
        text = f"{sure} counted"
        if unsure:
            them = "it" if unsure == 1 else "them"
            text += f", {unsure} not sure (the camera could not judge {them} well)"
        return text

    def to_dict(self, with_events: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exercise": self.exercise,
            "source": self.source,
            "duration": round(self.duration, 3),
            "frames": self.frames,
            "detected_frames": self.detected_frames,
            "recognized": self.recognized,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "rep_count": len(self.reps),
            "reps_sure": len(self.sure_reps),
            "reps_not_sure": len(self.unsure_reps),
            "count_sentence": self.count_sentence(),
            "reps": [_rounded(asdict(r)) for r in self.reps],
            "hold_count": len(self.holds),
            "holds": [_rounded(asdict(h)) for h in self.holds],
            "warnings": [_rounded(asdict(w)) for w in self.warnings],
            "avoided_movements": sorted({w.code for w in self.avoided}),
            "notes": list(self.notes),
            "problems": list(self.problems),
            "unseen_seconds": round(self.unseen_seconds, 2),
            "cuts": self.cuts,
        }
        if with_events:
            out["events"] = [e.to_dict() for e in self.events]
        return out


def _rounded(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, float):
            value = round(value, 2)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


class ReportBuilder:
    """Collects events as they come and turns them into a report."""

    def __init__(self, exercise: str) -> None:
        self.report = AnalysisReport(exercise=exercise)

    def add(self, events: list[Event]) -> None:
        for event in events:
            self.report.events.append(event)
            self._record(event)

    def _record(self, event: Event) -> None:
        r = self.report
        if event.kind is EventKind.REP_COMPLETED:
            start = float(event.data.get("start", event.time - (event.duration or 0.0)))
            r.reps.append(
                RepRecord(
                    start=start,
                    end=event.time,
                    duration=event.time - start,
                    side=event.side,
                    warnings=tuple(str(w) for w in event.data.get("warnings", ())),
                    confidence=float(event.data.get("confidence", 1.0)),
                )
            )
        elif event.kind is EventKind.HOLD_ENDED:
            start = float(event.data.get("start", event.time - (event.duration or 0.0)))
            r.holds.append(
                HoldRecord(
                    start=start,
                    end=event.time,
                    seconds=event.time - start,
                    side=event.side,
                    confidence=float(event.data.get("confidence", 1.0)),
                )
            )
        elif event.kind in (EventKind.FORM_WARNING, EventKind.AVOIDED_MOVEMENT):
            kind = "avoided" if event.kind is EventKind.AVOIDED_MOVEMENT else "form"
            r.warnings.append(
                WarningRecord(
                    event.time, event.code or "", event.message, kind=kind, side=event.side
                )
            )
        elif event.kind is EventKind.NOTE and event.message not in r.notes:
            r.notes.append(event.message)
