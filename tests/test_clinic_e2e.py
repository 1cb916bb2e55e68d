"""The clinic end to end in headless Chromium, on real PostgreSQL with the real pose model.

A clinician signs in and invites a patient; the patient accepts the invitation with a
password of their own, answers the caution and red-flag screen, and does a camera-led bridge
with a real clip as the webcam; in the next exercise they report pain of 7/10, which stops
the session. The clinician then sees the session, the pain flag and the progress report.
Screenshots of the pages both people see, at 390 px and 1280 px, go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcoach.catalog.loader import load_catalog
from backcoach.catalog.schema import Catalog
from backcoach.clinic.accounts import Role
from backcoach.clinic.service import Clinic
from backcoach.clinic.settings import ClinicSettings
from backcoach.planning.screening import QUESTIONS
from backcoach.web.clinic_app import create_clinic_app
from test_web_browser import ARTIFACTS, CHROMIUM, FOOTAGE, free_port
from test_web_camera_led import BRIDGE, DESKTOP, PHONE, camera_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not FOOTAGE.is_dir(), reason=f"no footage at {FOOTAGE}"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

SECRET = "an-end-to-end-secret-for-the-clinic-0123456789"
DOCTOR_PASSWORD = "a long clinician password"
PATIENT_PASSWORD = "my own long password"


def _catalog() -> Catalog:
    """The bridge (two reps, no rest, as the camera counts them), the cat-cow, and the bird
    dog with its whole ladder (the session stops before it; the clinician prescribes it)."""
    catalog = load_catalog()
    chosen = []
    for exercise_id, dose in (("bridge", {"reps": 2, "rest_seconds": 0}), ("cat-cow", {})):
        exercise = catalog.get(exercise_id)
        fixed = exercise.dose.model_copy(update=dose)
        chosen.append(exercise.model_copy(update={"levels": (), "dose": fixed}))
    chosen.append(catalog.get("bird-dog"))
    return catalog.model_copy(update={"exercises": tuple(chosen)})


def same_day_clock() -> Callable[[], datetime]:
    """Real time moved to noon (UTC) of today: the session and the plan looked at after it
    fall on the same day even when the suite runs across midnight (at 00:00 the plan rightly
    asks for the next-morning check-in instead)."""
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    began = time.monotonic()
    return lambda: noon + timedelta(seconds=time.monotonic() - began)


@contextlib.contextmanager
def clinic_server(database_url: str) -> Iterator[tuple[str, Clinic]]:
    import uvicorn

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    clinic = Clinic.open(
        ClinicSettings(database_url=database_url, secret=SECRET, public_origins=(url,)),
        now=same_day_clock(),
    )
    # No pose model for the page: it sends frames (the server path), as on a weak device.
    app = create_clinic_app(
        clinic, _catalog(), host="127.0.0.1", port=port, pose_assets_dir=Path(tempfile.mkdtemp())
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the clinic app did not start")
        time.sleep(0.05)
    try:
        yield url, clinic
    finally:
        server.should_exit = True
        thread.join(15)
        clinic.close()


def shoot(page: Any, name: str) -> None:
    """The page at 390 px (which it must fit) and at 1280 px."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(ARTIFACTS / f"clinic-{name}-{label}.png"), full_page=True)
        if label == "390":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name}: the page is {width} px wide at 390 px"
    page.set_viewport_size(before)


def test_invite_screen_camera_session_pain_flag_and_report(
    tmp_path: Path, new_postgres_database: Callable[[str], str]
) -> None:
    from playwright.sync_api import sync_playwright

    camera = camera_file(tmp_path / "bridge.y4m", [(BRIDGE, -1, 2.0), (BRIDGE, 0, None)])
    with clinic_server(new_postgres_database("e2e")) as (url, clinic), sync_playwright() as p:
        lee = clinic.accounts.create(
            username="dr.lee",
            password=DOCTOR_PASSWORD,
            role=Role.CLINICIAN,
            display_name="Dr Lee",
            at=clinic.now(),
        )
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
                *("--disable-component-update", "--disable-sync"),
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}",
            ],
        )
        doctor = browser.new_context(viewport=DESKTOP).new_page()  # type: ignore[arg-type]
        patient = browser.new_context(viewport=PHONE).new_page()  # type: ignore[arg-type]
        current = doctor
        try:
            # The clinician signs in and invites Ann.
            doctor.goto(url + "/signin")
            doctor.fill("#username", "dr.lee")
            doctor.fill("#password", DOCTOR_PASSWORD)
            doctor.click("#signin-form button[type=submit]")
            doctor.wait_for_url(url + "/clinic/patients")
            assert "You have no patients yet" in doctor.inner_text("main")
            doctor.goto(url + "/clinic/invite")
            doctor.fill("#display_name", "Ann Archer")
            doctor.click("#invite-form button[type=submit]")
            link = doctor.input_value("#invite-link")

            # Ann accepts with a password of her own and answers the screen.
            current = patient
            patient.goto(link)
            patient.fill("#username", "ann")
            patient.fill("#password", PATIENT_PASSWORD)
            patient.fill("#password_again", PATIENT_PASSWORD)
            patient.click("#invite-form button[type=submit]")
            patient.wait_for_url(url + "/screen")
            for question in QUESTIONS:
                patient.check(f'input[name="{question.id}"][value="no"]')
            patient.check('input[name="caution"]')
            patient.click("text=Save my answers")
            patient.wait_for_selector("#plan")
            shoot(patient, "patient-plan")

            # A camera-led bridge: the real clip is the webcam, the camera counts two reps.
            patient.click("#start-link")
            patient.check('input[name="pain_before"][value="2"]')
            patient.wait_for_load_state("networkidle")  # the page has looked for a camera
            patient.click("#start-button")
            patient.wait_for_url(url + "/session")
            patient.wait_for_selector("#exercise-panel:not([hidden])", timeout=30_000)
            patient.wait_for_function(
                "document.getElementById('progress-label').textContent.includes('Cat-cow')",
                timeout=40_000,
            )
            # In the cat-cow it hurts: 7/10 stops the session.
            patient.click("#pain-button")
            patient.wait_for_selector("#pain-dialog[open]")
            patient.click('.pain-now[data-score="7"]')
            patient.wait_for_selector("#done-panel:not([hidden])", timeout=10_000)
            shoot(patient, "patient-stopped")
            patient.click('.pain-after[data-score="6"]')
            patient.wait_for_selector("#saved-message:not([hidden])", timeout=10_000)

            # The clinician sees the session, the pain flag and the report.
            current = doctor
            doctor.goto(url + "/clinic/patients")
            flags = doctor.inner_text("#patients")
            assert "Ann Archer" in flags
            assert "Pain reached 7/10 in the session on" in flags
            assert ": stopped for pain" in flags
            shoot(doctor, "patients")
            doctor.click("text=Ann Archer")
            doctor.wait_for_selector("#flags")
            assert "Pain reached 7/10" in doctor.inner_text("#flags")
            sessions = doctor.inner_text("#sessions")
            assert "stopped for pain" in sessions and "2/10" in sessions
            assert "7/10" in sessions
            shoot(doctor, "patient")
            doctor.click("#flags-seen-button")
            doctor.wait_for_selector("#seen-flags")
            assert "Looked at: Pain reached 7/10" in doctor.inner_text("#audit")
            # A prescription: the bird dog kept to arm and opposite leg, with a reason.
            doctor.click("#care-bird-dog summary")
            doctor.check('#care-bird-dog input[name="stage"][value="arm-and-leg"]')
            doctor.fill("#why-bird-dog", "Steady balance at the assessment.")
            shoot(doctor, "prescription-form")
            doctor.click("#care-bird-dog button[type=submit]")
            doctor.wait_for_selector("#saved")
            record = doctor.inner_text("#audit")
            assert "Dr Lee" in record and "Steady balance at the assessment." in record
            assert "Bird dog: starting at step 3 of 8 (Arm and opposite leg" in record
            doctor.fill("#note-text", "Rest today; we will talk on Friday.")
            doctor.click("#note button[type=submit]")
            doctor.wait_for_selector("#latest-note")
            shoot(doctor, "patient-after-changes")
            doctor.click("#report-link")
            doctor.wait_for_selector("h1")
            report = doctor.inner_text("body")
            assert "Home exercise progress report" in report
            assert "stopped for pain" in report.lower()
            shoot(doctor, "report")

            # Ann's plan follows the prescription and shows the note.
            current = patient
            patient.goto(url + "/")
            plan = patient.inner_text("main")
            assert "Rest today; we will talk on Friday." in plan
            assert "Arm and opposite leg: 5 each side" in plan
            assert "Dose set by your clinician." in plan
            assert "stopped because of pain (7/10)" in plan
            shoot(patient, "patient-plan-prescribed")
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            current.screenshot(path=str(ARTIFACTS / "clinic-e2e-failed.png"))
            raise
        finally:
            browser.close()
        (account,) = clinic.accounts.patients_of(lee.id)
        (session,) = clinic.own_store(account).sessions()
    assert session.status == "stopped_pain" and session.max_pain == 7
    bridge = session.sets[0]
    assert bridge.exercise_id == "bridge" and bridge.status == "completed"
    assert bridge.counted_by == "camera" and bridge.reps_done == 2
