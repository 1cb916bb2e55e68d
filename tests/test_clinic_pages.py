"""The clinician's pages and the patient's plan under a prescription, through the clinic app
on real PostgreSQL: list, patient page, prescription and note with the audit trail, the
report, its PDF and the FHIR export, and what the patient then sees."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette nags about its httpx-based test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from backcoach.catalog.loader import load_catalog
from backcoach.clinic.accounts import Account, Role
from backcoach.clinic.service import Clinic
from backcoach.clinic.settings import ClinicSettings
from backcoach.clinic.tokens import signed
from backcoach.journal.outcomes_store import OutcomesStore
from backcoach.journal.prescriptions_store import PrescriptionStore
from backcoach.web.clinic_access import SESSION_COOKIE
from backcoach.web.clinic_app import create_clinic_app
from test_web_support import ORIGIN, FakeEstimator, ScriptedAnalyzer

SECRET = "a-test-secret-for-the-clinician-pages-0123456789"
MONDAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=10)  # Wednesday
PASSWORD = "correct horse battery"


@dataclass
class World:
    app: FastAPI
    clinic: Clinic
    doctor: Account
    other_doctor: Account
    ann: Account
    bob: Account

    def client(self, account: Account) -> tuple[TestClient, str]:
        client = TestClient(self.app, base_url=ORIGIN, follow_redirects=False)
        token = self.clinic.sessions.start(account, self.clinic.now())
        client.cookies.set(SESSION_COOKIE, token)
        return client, signed(SECRET, "csrf:" + token)


def _seed_ann(clinic: Clinic, ann: Account) -> None:
    store = clinic.own_store(ann)
    store.add_screening(
        answers={"fever": False}, outcome="clear", flags=[], caution_acknowledged=True, at=MONDAY
    )
    calm = store.start_session(front_end="web", pain_before=2, plan={}, at=MONDAY)
    store.add_pain(score=2, context="during", session_id=calm, at=MONDAY)
    store.finish_session(
        calm, status="completed", pain_after=2, stop_reason=None, at=MONDAY + timedelta(minutes=9)
    )
    outcomes = OutcomesStore(store)
    activities = outcomes.set_psfs_activities(["Putting on socks", "Gardening", "Driving"], MONDAY)
    for weeks, score in ((3, 3), (0, 6)):
        outcomes.add_psfs_assessment(
            {activity.id: score for activity in activities}, MONDAY - timedelta(weeks=weeks)
        )
    later = MONDAY + timedelta(days=1)
    hurt = store.start_session(front_end="web", pain_before=3, plan={}, at=later)
    store.add_pain(score=7, context="during", session_id=hurt, at=later)
    store.finish_session(hurt, status="stopped_pain", pain_after=6, stop_reason="pain", at=later)


@pytest.fixture(scope="module")
def world(new_postgres_database: Callable[[str], str]) -> Iterator[World]:
    settings = ClinicSettings(database_url=new_postgres_database("pages"), secret=SECRET)
    clinic = Clinic.open(settings, now=lambda: NOW)
    create = clinic.accounts.create
    doctor = create(
        username="dr.lee",
        password=PASSWORD,
        role=Role.CLINICIAN,
        display_name="Dr Lee",
        at=MONDAY - timedelta(days=30),
    )
    other = create(
        username="dr.ray",
        password=PASSWORD,
        role=Role.CLINICIAN,
        display_name="Dr Ray",
        at=MONDAY - timedelta(days=30),
    )
    ann, bob = (
        create(
            username=name,
            password=PASSWORD,
            role=Role.PATIENT,
            display_name=shown,
            at=MONDAY - timedelta(days=20),
            clinician_id=doctor.id,
        )
        for name, shown in (("ann", "Ann Archer"), ("bob", "Bob Baker"))
    )
    _seed_ann(clinic, ann)
    estimator = FakeEstimator()
    app = create_clinic_app(
        clinic,
        load_catalog(),
        estimator_factory=lambda: estimator,
        analyzer_factory=lambda exercise_id, _dose: ScriptedAnalyzer(exercise_id),
        analyze=lambda *_args: {"reps": 0, "notes": []},
    )
    yield World(app, clinic, doctor, other, ann, bob)
    clinic.close()


def test_the_patients_list_puts_who_needs_a_look_first(world: World) -> None:
    client, _ = world.client(world.doctor)
    page = client.get("/clinic/patients")
    assert page.status_code == 200
    text = page.text
    assert text.index("Ann Archer") < text.index("Bob Baker")
    assert "Pain reached 7/10 in the session on Tue 10 Mar." in text
    assert "2 sessions of 7 planned (1 completed)" in text
    assert "Tue 10 Mar: stopped for pain" in text
    # Bob joined 20 days ago and has done nothing: that needs a look too.
    assert "No session for 22 days (none since joining on Tue 17 Feb)." in text
    other, other_csrf = world.client(world.other_doctor)
    assert "Ann Archer" not in other.get("/clinic/patients").text
    assert other.get(f"/clinic/patients/{world.ann.id}").status_code == 404
    assert other.get(f"/clinic/patients/{world.ann.id}/fhir.json").status_code == 404
    foreign = other.post(
        f"/clinic/patients/{world.ann.id}/prescription",
        data={"csrf_token": other_csrf, "exercise": "bridge", "paused": "yes", "why": "mine"},
    )
    assert foreign.status_code == 404
    assert PrescriptionStore(world.clinic.journal.for_patient(world.ann.id)).audit() == []


def test_the_patient_page_report_and_exports(world: World) -> None:
    client, _ = world.client(world.doctor)
    page = client.get(f"/clinic/patients/{world.ann.id}")
    assert page.status_code == 200
    text = page.text
    for shown in (
        "Ann Archer",
        "Pain reached 7/10 in the session on Tue 10 Mar.",
        "stopped for pain",
        'data-plot="pain"',
        'data-plot="psfs"',
        "Your activity score (PSFS) rose from 3 to 6",
        "Change the prescription of the bird dog",
        "Step 3 of 8 (Arm and opposite leg: 5 each side, hold 3 s each)",
        "No changes yet",
    ):
        assert shown in text, shown
    visible = re.sub(r"<[^>]+>", " ", text)
    assert "bird-dog" not in visible and "high_pain" not in visible  # no ids or codes
    report = client.get(f"/clinic/patients/{world.ann.id}/report")
    assert report.status_code == 200 and "Home exercise progress report" in report.text
    pdf = client.get(f"/clinic/patients/{world.ann.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    fhir = client.get(f"/clinic/patients/{world.ann.id}/fhir.json")
    assert fhir.status_code == 200
    bundle: dict[str, Any] = json.loads(fhir.text)
    assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) > 3


def test_a_prescription_needs_a_reason_and_the_patient_sees_its_effect(world: World) -> None:
    client, csrf = world.client(world.doctor)
    base = f"/clinic/patients/{world.bob.id}"
    care = PrescriptionStore(world.clinic.journal.for_patient(world.bob.id))
    refused = client.post(
        f"{base}/prescription",
        data={"csrf_token": csrf, "exercise": "bird-dog", "start_step": "2", "why": " "},
    )
    assert refused.status_code == 400
    assert "The reason for the change is empty" in refused.text
    outside = client.post(
        f"{base}/prescription",
        data={
            "csrf_token": csrf,
            "exercise": "bird-dog",
            "start_step": "4",
            "stage": "arm-only",
            "why": "x",
        },
    )
    assert outside.status_code == 400
    assert "Step 5 of the bird dog is not in the arm only stage" in outside.text
    assert care.audit() == []
    no_token = client.post(
        f"{base}/prescription",
        data={"exercise": "bird-dog", "start_step": "2", "why": "Good balance."},
    )
    assert no_token.status_code == 403 and care.audit() == []

    saved = client.post(
        f"{base}/prescription",
        data={
            "csrf_token": csrf,
            "exercise": "bird-dog",
            "start_step": "2",
            "stage": "arm-and-leg",
            "why": "Good balance at the assessment.",
        },
    )
    assert saved.status_code == 303
    paused = client.post(
        f"{base}/prescription",
        data={
            "csrf_token": csrf,
            "exercise": "bridge",
            "paused": "yes",
            "why": "Hip pain when bridging.",
        },
    )
    assert paused.status_code == 303
    note = client.post(f"{base}/note", data={"csrf_token": csrf, "note": "Go slowly this week."})
    assert note.status_code == 303
    page = client.get(f"{base}?saved=note").text
    assert "The note is saved." in page
    assert "Good balance at the assessment." in page and "Hip pain when bridging." in page
    assert "Bridge: paused (was the program&#39;s own start and progression)." in page
    assert "Dr Lee" in page

    patient, patient_csrf = world.client(world.bob)
    screen = {"csrf_token": patient_csrf, "caution": "yes"}
    from backcoach.planning.screening import QUESTIONS

    screen.update({question.id: "no" for question in QUESTIONS})
    assert patient.post("/screen", data=screen).status_code in (200, 303)
    home = patient.get("/").text
    assert "A note from Dr Lee" in home and "Go slowly this week." in home
    assert "Dose set by your clinician." in home
    assert "Arm and opposite leg: 5 each side" in home
    assert "Paused by your clinician" in home
    plan = patient.get("/api/plan").json()
    assert "bridge" not in [item["id"] for item in plan["exercises"]]
    bird = next(item for item in plan["exercises"] if item["id"] == "bird-dog")
    assert bird["level"] == 2 and bird["set_by"] == "prescription"


def test_looking_at_the_flags_moves_them_aside_and_keeps_a_record(world: World) -> None:
    client, csrf = world.client(world.doctor)
    base = f"/clinic/patients/{world.ann.id}"
    page = client.get(base).text
    as_of = re.search(r'name="as_of" value="([^"]+)"', page)
    assert as_of is not None
    broken = client.post(f"{base}/flags-seen", data={"csrf_token": csrf, "as_of": "yesterday"})
    assert broken.status_code == 400 and "The page was out of date" in broken.text
    seen = client.post(f"{base}/flags-seen", data={"csrf_token": csrf, "as_of": as_of.group(1)})
    assert seen.status_code == 303
    after = client.get(f"{base}?saved=seen").text
    assert 'id="open-flags"' not in after and "Already looked at (1)" in after
    assert "Looked at: Pain reached 7/10 in the session on Tue 10 Mar." in after
    listing = client.get("/clinic/patients").text
    assert listing.index("Bob Baker") < listing.index("Ann Archer")  # Bob still needs a look
