"""The journal as an HL7 FHIR Bundle (type collection), built and validated with fhir.resources.

Release: ``fhir.resources.R4B`` (4.3), the R4-compatible release shipped with fhir.resources 8;
every element used here has the same shape in R4 (4.0.1). Contents:

- Patient: a pseudonym (``meta.security`` PSEUDED) unless the person entered a name;
- pain Observations (LOINC 72514-3, valueInteger): before, during and after each session and
  the next-morning check-ins, with the context in ``note``;
- one exercise-session Observation per session (category activity, LOINC 55411-3 exercise
  duration in min) whose ``hasMember`` are one Observation per exercise, with components:
  repetitions done and planned, counted by camera and by hand, planned and held seconds (also
  per side), sides, level, stage and status;
- PSFS: a QuestionnaireResponse per rating round plus an Observation of its score;
- entered questionnaire totals (Oswestry LOINC 97909-6 in %, Roland-Morris 0-24);
- the program as a CarePlan (each exercise at its latest planned dose).

Resource ids are UUIDs derived from the journal's row ids, so exporting twice gives the same
ids; references use the entries' ``urn:uuid:`` full URLs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from backcoach.catalog import load_catalog
from backcoach.journal.outcomes_store import (
    Instrument,
    OutcomesStore,
    ProfileRecord,
    PsfsActivityRecord,
    PsfsAssessmentRecord,
    QuestionnaireTotalRecord,
)
from backcoach.journal.records import CheckInRecord, PainRecord, SessionRecord, SetRecord
from backcoach.journal.store import JournalStore

FHIR_RELEASE = "R4B"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
EXERCISE_SYSTEM = "urn:backcoach:exercise"
MEASURE_SYSTEM = "urn:backcoach:measure"
COUNTED_BY_SYSTEM = "urn:backcoach:counted-by"
PSEUDONYM_SYSTEM = "urn:backcoach:pseudonym"

PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
EXERCISE_DURATION_LOINC = ("55411-3", "Exercise duration")
OSWESTRY_LOINC = ("97909-6", "Oswestry Disability Index total")
PSFS_SCORE_TEXT = "Patient-Specific Functional Scale score"
ROLAND_MORRIS_TEXT = "Roland-Morris Disability Questionnaire total"

_NAMESPACE = uuid.UUID("6f1e4d2a-9c3b-5e7f-8a1d-2b4c6e8f0a13")
_PAIN_CONTEXT_TEXT = {
    "before": "before the exercise session",
    "during": "during the exercise session",
    "after": "after the exercise session",
}


class FhirExportError(RuntimeError):
    """The bundle did not validate: a bug in this module, not something a person can fix."""


def build_fhir_bundle(store: JournalStore, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything in the journal as a validated FHIR Bundle, as a JSON-able dict."""
    outcomes = OutcomesStore(store)
    sessions = store.sessions()
    profile = outcomes.profile()
    builder = _Builder(_patient_label(profile, sessions), None if profile is None else profile.name)
    builder.add(Patient, builder.patient_id, builder.patient())
    for pain in store.pain_entries():
        builder.add(Observation, _uid("pain", pain.id), builder.pain(pain))
    for session in sessions:
        builder.add_session(session)
    for checkin in store.checkins():
        builder.add(Observation, _uid("checkin", checkin.id), builder.checkin(checkin))
    activities = outcomes.psfs_activities()
    for assessment in outcomes.psfs_assessments():
        builder.add_psfs(assessment, activities)
    for total in outcomes.questionnaire_totals():
        builder.add(Observation, _uid("questionnaire", total.id), builder.questionnaire(total))
    builder.add(CarePlan, _uid("careplan", 1), builder.care_plan(sessions))
    document: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(_uid("bundle", builder.patient_label)),
        "type": "collection",
        "timestamp": _instant(now or datetime.now(UTC)),
        "entry": builder.entries,
    }
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as error:  # pragma: no cover - every resource was validated above
        raise FhirExportError(f"The FHIR bundle is invalid: {error}") from error
    validated: dict[str, Any] = json.loads(bundle.model_dump_json())
    return validated


def _uid(kind: str, key: object) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{kind}/{key}")


def _instant(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def _patient_label(profile: ProfileRecord | None, sessions: Sequence[SessionRecord]) -> str:
    """The stored pseudonym, or one derived from the journal's first session (stable)."""
    if profile is not None:
        return profile.pseudonym
    seed = _instant(sessions[0].started_at) if sessions else "empty journal"
    return "BC-" + hashlib.sha256(seed.encode()).hexdigest()[:8].upper()


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, text: str) -> dict[str, Any]:
    return {"coding": [_coding(system, code, text)], "text": text}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [_coding(OBSERVATION_CATEGORY, code, display)]}]


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": round(float(value), 2), "unit": unit, "system": UCUM, "code": code}


def _component(code: str, text: str, **value: Any) -> dict[str, Any]:
    return {"code": _concept(MEASURE_SYSTEM, code, text), **value}


class _Builder:
    def __init__(self, patient_label: str, name: str | None):
        self.patient_label = patient_label
        self.patient_id = _uid("patient", patient_label)
        self.entries: list[dict[str, Any]] = []
        self._name = name

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self.patient_id}"}

    def add(self, model: type[Any], resource_id: uuid.UUID, resource: dict[str, Any]) -> str:
        """Validate one resource with its fhir.resources class and add it as an entry."""
        resource = {"resourceType": model.__name__, "id": str(resource_id), **resource}
        try:
            model.model_validate(resource)
        except ValidationError as error:  # pragma: no cover - a bug, not a person's error
            raise FhirExportError(f"Invalid {model.__name__}: {error}") from error
        url = f"urn:uuid:{resource_id}"
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    # -- Patient ---------------------------------------------------------------------------

    def patient(self) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "identifier": [{"system": PSEUDONYM_SYSTEM, "value": self.patient_label}],
            "active": True,
        }
        if self._name:
            resource["name"] = [{"text": self._name}]
        else:
            resource["meta"] = {"security": [_coding(SECURITY_SYSTEM, "PSEUDED", "pseudonymized")]}
        return resource

    # -- pain ------------------------------------------------------------------------------

    def _pain(self, score: int, at: datetime, context: str) -> dict[str, Any]:
        return {
            "status": "final",
            "category": _category("survey", "Survey"),
            "code": _concept(LOINC, PAIN_LOINC[0], PAIN_LOINC[1]),
            "subject": self.subject,
            "effectiveDateTime": _instant(at),
            "valueInteger": score,
            "note": [{"text": f"Low back pain, {context}."}],
        }

    def pain(self, record: PainRecord) -> dict[str, Any]:
        context = _PAIN_CONTEXT_TEXT.get(record.context, record.context)
        resource = self._pain(record.score, record.at, context)
        if record.note:
            resource["note"].append({"text": record.note})
        return resource

    def checkin(self, record: CheckInRecord) -> dict[str, Any]:
        resource = self._pain(record.pain, record.at, "next-morning check-in")
        if record.note:
            resource["note"].append({"text": record.note})
        return resource

    # -- sessions ----------------------------------------------------------------------------

    def add_session(self, session: SessionRecord) -> None:
        # Pain kept only on the session (no matching pain entry) still becomes an Observation.
        contexts = {entry.context for entry in session.pain_entries}
        if session.pain_before is not None and "before" not in contexts:
            before = self._pain(session.pain_before, session.started_at, "before the session")
            self.add(Observation, _uid("session-pain-before", session.id), before)
        if session.pain_after is not None and "after" not in contexts:
            at = session.ended_at or session.started_at
            after = self._pain(session.pain_after, at, "after the session")
            self.add(Observation, _uid("session-pain-after", session.id), after)
        members = [
            {"reference": self.add(Observation, _uid("set", item.id), self.exercise_set(item))}
            for item in session.sets
        ]
        end = _session_end(session)
        minutes = (end - session.started_at).total_seconds() / 60
        resource: dict[str, Any] = {
            "status": "final" if session.ended_at is not None else "preliminary",
            "category": _category("activity", "Activity"),
            "code": {
                "coding": [_coding(LOINC, *EXERCISE_DURATION_LOINC)],
                "text": "Home exercise session for low back pain",
            },
            "subject": self.subject,
            "effectivePeriod": {"start": _instant(session.started_at), "end": _instant(end)},
            "valueQuantity": _quantity(max(0.0, minutes), "min", "min"),
            "note": [{"text": _session_note(session)}],
        }
        if members:
            resource["hasMember"] = members
        self.add(Observation, _uid("session", session.id), resource)

    def exercise_set(self, item: SetRecord) -> dict[str, Any]:
        name = _exercise_name(item.exercise_id)
        camera, hand = _reps_by_counter(item)
        components = [
            _component("reps-done", "Repetitions done", valueInteger=item.reps_done),
            _component("reps-planned", "Repetitions planned", valueInteger=item.planned_reps),
            _component("reps-camera", "Repetitions counted by the camera", valueInteger=camera),
            _component("reps-hand", "Repetitions counted by hand", valueInteger=hand),
            _component(
                "counted-by",
                "How the repetitions were counted",
                valueCodeableConcept=_concept(COUNTED_BY_SYSTEM, item.counted_by, item.counted_by),
            ),
            _component("level", "Progression level (1 = first)", valueInteger=item.level + 1),
            _component("set-status", "How the exercise ended", valueString=item.status),
        ]
        if item.planned_hold_seconds:
            components.append(
                _component(
                    "hold-planned",
                    "Hold planned per repetition",
                    valueQuantity=_quantity(item.planned_hold_seconds, "s", "s"),
                )
            )
        holds = [rep.hold_seconds for rep in item.reps]
        if holds and any(holds):
            components.append(
                _component(
                    "hold-held",
                    "Mean hold per repetition",
                    valueQuantity=_quantity(sum(holds) / len(holds), "s", "s"),
                )
            )
        sides = sorted({rep.side for rep in item.reps if rep.side not in {"none"}})
        if sides:
            components.append(_component("sides", "Sides worked", valueString=", ".join(sides)))
        for side in sides:
            side_holds = [rep.hold_seconds for rep in item.reps if rep.side == side]
            side_reps = len({rep.index for rep in item.reps if rep.side == side})
            components.append(
                _component(f"reps-{side}", f"Repetitions, {side} side", valueInteger=side_reps)
            )
            if any(side_holds):
                components.append(
                    _component(
                        f"hold-held-{side}",
                        f"Mean hold, {side} side",
                        valueQuantity=_quantity(sum(side_holds) / len(side_holds), "s", "s"),
                    )
                )
        stage = item.planned.get("stage_label") or item.stage
        if stage:
            components.append(_component("stage", "Stage of the exercise", valueString=stage))
        resource: dict[str, Any] = {
            "status": "final" if item.ended_at is not None else "preliminary",
            "category": _category("activity", "Activity"),
            "code": _concept(EXERCISE_SYSTEM, item.exercise_id, name),
            "subject": self.subject,
            "effectivePeriod": {
                "start": _instant(item.started_at),
                "end": _instant(item.ended_at or _set_end(item)),
            },
            "component": components,
        }
        if item.warnings:
            resource["note"] = [
                {"text": f"Form warning ({w.code}): {w.message}"} for w in item.warnings
            ]
        return resource

    # -- PSFS and questionnaires -----------------------------------------------------------

    def add_psfs(
        self, assessment: PsfsAssessmentRecord, activities: Sequence[PsfsActivityRecord]
    ) -> None:
        names = {activity.id: activity for activity in activities}
        items = [
            {
                "linkId": f"activity-{names[activity_id].position}",
                "text": names[activity_id].name,
                "answer": [{"valueInteger": score}],
            }
            for activity_id, score in assessment.ratings
            if activity_id in names
        ]
        response = {
            "status": "completed",
            "subject": self.subject,
            "authored": _instant(assessment.at),
            "item": items,
        }
        url = self.add(QuestionnaireResponse, _uid("psfs", assessment.id), response)
        score = {
            "status": "final",
            "category": _category("survey", "Survey"),
            "code": _concept(
                MEASURE_SYSTEM, "psfs-score", "Patient-Specific Functional Scale score"
            ),
            "subject": self.subject,
            "effectiveDateTime": _instant(assessment.at),
            "valueQuantity": _quantity(assessment.score, "score", "{score}"),
            "derivedFrom": [{"reference": url}],
            "note": [{"text": "Mean of the activity ratings, 0 = cannot do, 10 = as before."}],
        }
        self.add(Observation, _uid("psfs-score", assessment.id), score)

    def questionnaire(self, total: QuestionnaireTotalRecord) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "status": "final",
            "category": _category("survey", "Survey"),
            "subject": self.subject,
            "effectiveDateTime": total.day.isoformat(),
            "note": [{"text": "Total scored outside backcoach and entered by the person."}],
        }
        if total.instrument is Instrument.OSWESTRY:
            resource["code"] = _concept(LOINC, *OSWESTRY_LOINC)
            resource["valueQuantity"] = _quantity(total.score, "%", "%")
        else:
            resource["code"] = _concept(
                MEASURE_SYSTEM,
                "roland-morris-total",
                "Roland-Morris Disability Questionnaire total",
            )
            resource["valueInteger"] = round(total.score)
        if total.note:
            resource["note"].append({"text": total.note})
        return resource

    # -- the program -----------------------------------------------------------------------

    def care_plan(self, sessions: Sequence[SessionRecord]) -> dict[str, Any]:
        catalog = load_catalog()
        latest = _latest_plan(sessions)
        activities = []
        for exercise in catalog.exercises:
            planned = latest.get(exercise.id, {})
            dose = str(planned.get("dose") or exercise.dose_at(0).describe())
            reason = planned.get("reason")
            description = f"{dose}. {reason}" if reason else dose
            activities.append(
                {
                    "detail": {
                        "code": _concept(EXERCISE_SYSTEM, exercise.id, exercise.name),
                        "status": "in-progress" if sessions else "not-started",
                        "description": description,
                        "scheduledTiming": {
                            "repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}
                        },
                    }
                }
            )
        resource: dict[str, Any] = {
            "status": "active",
            "intent": "plan",
            "title": "Home exercise program for low back pain",
            "description": (
                "Seven home exercises, one session a day; each dose steps up after calm sessions "
                "and calm next mornings, stays at moderate pain and steps back when pain rises."
            ),
            "subject": self.subject,
            "activity": activities,
        }
        if sessions:
            resource["period"] = {"start": _instant(sessions[0].started_at)}
        return resource


def _exercise_name(exercise_id: str) -> str:
    catalog = load_catalog()
    return catalog.get(exercise_id).name if exercise_id in catalog.ids else exercise_id


def _reps_by_counter(item: SetRecord) -> tuple[int, int]:
    by_index: dict[int, str] = {}
    for rep in item.reps:
        if by_index.get(rep.index) != "camera":
            by_index[rep.index] = rep.counted_by
    camera = sum(1 for how in by_index.values() if how == "camera")
    return camera, len(by_index) - camera


def _set_end(item: SetRecord) -> datetime:
    return max([item.started_at, *(rep.finished_at for rep in item.reps)])


def _session_end(session: SessionRecord) -> datetime:
    if session.ended_at is not None:
        return session.ended_at
    return max([session.started_at, *(_set_end(item) for item in session.sets)])


def _session_note(session: SessionRecord) -> str:
    """How the session went, in the words of the web pages, the terminal and the report."""
    outcome = session.outcome
    label = outcome.label[:1].upper() + outcome.label[1:]
    return (
        f"{label}: {outcome.exercises_done} planned exercises done. {outcome.how_it_ended} "
        f"Pain during the session: {outcome.pain_during_text}."
    )


def _latest_plan(sessions: Sequence[SessionRecord]) -> dict[str, dict[str, Any]]:
    """Exercise id -> the latest plan item a session recorded for it."""
    latest: dict[str, dict[str, Any]] = {}
    for session in sessions:
        items = (session.plan or {}).get("exercises")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    latest[item["id"]] = item
    return latest
