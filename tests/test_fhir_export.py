"""The FHIR export of a full journal, parsed back and checked with fhir.resources (R4B)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from backcoach.catalog import load_catalog
from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.journal.store import JournalStore
from backcoach.reports.fhir_export import build_fhir_bundle
from test_report_journals import START, build_journal, open_store

NOW = START + timedelta(days=100)
LOINC = "http://loinc.org"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JournalStore]:
    opened = open_store(tmp_path / "journal.sqlite3")
    yield opened
    opened.close()


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def with_code(items: list[dict[str, Any]], system: str, code: str) -> list[dict[str, Any]]:
    return [
        item
        for item in items
        if any(c.get("system") == system and c.get("code") == code for c in item["code"]["coding"])
    ]


def component(observation: dict[str, Any], code: str) -> dict[str, Any]:
    for item in observation["component"]:
        if item["code"]["coding"][0]["code"] == code:
            return item
    raise AssertionError(f"no component {code}")


def test_full_export_validates_and_carries_every_record(store: JournalStore) -> None:
    build_journal(store, 30, seed=5)
    outcomes = OutcomesStore(store)
    outcomes.add_questionnaire_total(
        instrument=Instrument.ROLAND_MORRIS, score=8, day=date(2026, 3, 20), at=START
    )
    bundle = build_fhir_bundle(store, now=NOW)

    parsed = Bundle.model_validate_json(json.dumps(bundle))  # parse back from JSON text
    assert parsed.type == "collection"
    classes = {
        "Patient": Patient,
        "Observation": Observation,
        "QuestionnaireResponse": QuestionnaireResponse,
        "CarePlan": CarePlan,
    }
    for entry in parsed.entry:
        assert isinstance(entry.resource, classes[entry.resource.get_resource_type()])
        assert entry.fullUrl == f"urn:uuid:{entry.resource.id}"

    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    references = set(re_references(bundle))
    assert references and references <= urls  # every reference resolves inside the bundle

    [patient] = resources(bundle, "Patient")
    assert "name" not in patient
    assert patient["meta"]["security"][0]["code"] == "PSEUDED"
    assert patient["identifier"][0]["value"] == outcomes.profile().pseudonym  # type: ignore[union-attr]

    observations = resources(bundle, "Observation")
    pain = with_code(observations, LOINC, "72514-3")
    assert len(pain) == len(store.pain_entries()) + len(store.checkins())
    assert all(isinstance(p["valueInteger"], int) and 0 <= p["valueInteger"] <= 10 for p in pain)
    assert sum("next-morning" in p["note"][0]["text"] for p in pain) == len(store.checkins())

    sessions = store.sessions()
    session_obs = with_code(observations, LOINC, "55411-3")
    assert len(session_obs) == len(sessions)
    for observation, record in zip(session_obs, sessions, strict=True):
        assert observation["category"][0]["coding"][0]["code"] == "activity"
        assert observation["valueQuantity"]["code"] == "min"
        expected = (record.ended_at - record.started_at).total_seconds() / 60  # type: ignore[operator]
        assert observation["valueQuantity"]["value"] == pytest.approx(expected, abs=0.01)
        assert len(observation["hasMember"]) == len(record.sets)

    by_url = {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}
    first_session = sessions[0]
    members = [by_url[m["reference"]] for m in session_obs[0]["hasMember"]]
    for member, item in zip(members, first_session.sets, strict=True):
        assert member["code"]["coding"][0]["code"] == item.exercise_id
        assert component(member, "reps-done")["valueInteger"] == item.reps_done
        assert component(member, "reps-planned")["valueInteger"] == item.planned_reps
        counted = component(member, "counted-by")["valueCodeableConcept"]["coding"][0]["code"]
        assert counted == item.counted_by
        camera = component(member, "reps-camera")["valueInteger"]
        hand = component(member, "reps-hand")["valueInteger"]
        assert camera + hand == item.reps_done
        assert (camera > 0) == (item.counted_by == "camera")
        if item.planned_hold_seconds:
            held = component(member, "hold-planned")["valueQuantity"]
            assert held["value"] == item.planned_hold_seconds and held["code"] == "s"
    bird_dog = next(m for m in members if m["code"]["coding"][0]["code"] == "bird-dog")
    assert component(bird_dog, "sides")["valueString"] == "left, right"
    assert component(bird_dog, "stage")["valueString"] == "Arm only"

    responses = resources(bundle, "QuestionnaireResponse")
    assessments = outcomes.psfs_assessments()
    assert len(responses) == len(assessments) == 3
    assert [item["text"] for item in responses[0]["item"]] == [
        a.name for a in outcomes.psfs_activities()
    ]
    scores = with_code(observations, "urn:backcoach:measure", "psfs-score")
    assert [s["valueQuantity"]["value"] for s in scores] == [
        pytest.approx(a.score, abs=0.01) for a in assessments
    ]
    response_urls = [e["fullUrl"] for e in bundle["entry"] if e["resource"] in responses]
    assert [s["derivedFrom"][0]["reference"] for s in scores] == response_urls

    oswestry = with_code(observations, LOINC, "97909-6")
    assert oswestry and all(o["valueQuantity"]["code"] == "%" for o in oswestry)
    [roland] = with_code(observations, "urn:backcoach:measure", "roland-morris-total")
    assert roland["valueInteger"] == 8 and roland["effectiveDateTime"] == "2026-03-20"

    [plan] = resources(bundle, "CarePlan")
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    codes = [a["detail"]["code"]["coding"][0]["code"] for a in plan["activity"]]
    assert codes == list(load_catalog().ids)


def re_references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from re_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from re_references(item)


def test_a_named_person_is_not_pseudonymous(store: JournalStore) -> None:
    OutcomesStore(store).set_name("Ann Example", START)
    [patient] = resources(build_fhir_bundle(store, now=NOW), "Patient")
    assert patient["name"] == [{"text": "Ann Example"}]
    assert "meta" not in patient


def test_empty_journal_exports_a_patient_and_the_program(store: JournalStore) -> None:
    bundle = build_fhir_bundle(store, now=NOW)
    Bundle.model_validate(bundle)
    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds == ["CarePlan", "Patient"]
    [plan] = resources(bundle, "CarePlan")
    assert {a["detail"]["status"] for a in plan["activity"]} == {"not-started"}


def test_export_is_stable(store: JournalStore) -> None:
    build_journal(store, 3)
    first = build_fhir_bundle(store, now=NOW)
    assert build_fhir_bundle(store, now=NOW) == first


def test_fhir_command_writes_a_valid_bundle(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    journal = open_store(home / "journal.sqlite3")
    build_journal(journal, 3)
    journal.close()
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    target = tmp_path / "bundle.json"
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("backcoach")),
            "export",
            "--format",
            "fhir",
            "-o",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    bundle = Bundle.model_validate_json(target.read_text(encoding="utf-8"))
    assert bundle.type == "collection" and len(bundle.entry) > 10
